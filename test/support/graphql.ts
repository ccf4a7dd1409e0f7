/** GraphQL over HTTP for the tests: one operation POSTed as JSON, as the gateway or a client sends it. */

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: { code?: string; reason?: string; [key: string]: unknown };
}

/** A GraphQL response body. `data` defaults to `any` below its root: tests reach deep into it. */
export interface GraphQLBody<TData = Record<string, any>> {
  data?: TData | null;
  errors?: GraphQLErrorBody[];
}

export interface GraphQLResult<TData = Record<string, any>> {
  response: Response;
  status: number;
  body: GraphQLBody<TData>;
  /** The body as sent, for checking what it does not contain (person data, secrets). */
  raw: string;
}

/** The exact body postGraphQL sends (a signed gateway identity is bound to these bytes). */
export function graphqlBody(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

/** POSTs `{ query, variables }` to `url` (variables omitted when undefined), with extra headers such as authorization. */
export async function postGraphQL<TData = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: graphqlBody(query, variables),
  });
  const raw = await response.text();
  return { response, status: response.status, body: JSON.parse(raw) as GraphQLBody<TData>, raw };
}
