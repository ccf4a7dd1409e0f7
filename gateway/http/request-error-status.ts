/**
 * The status of a GraphQL request error — a document that does not parse, does not validate, or
 * variables that cannot be coerced — follows the media type the client accepts (GraphQL over
 * HTTP): a client that accepts `application/graphql-response+json` gets 400; a client that accepts
 * ONLY `application/json` (the legacy media type, whose clients read errors from a 200 body) gets
 * 200 with the same body. Without an Accept header, or with a wildcard, it stays 400: the body is
 * the same, and a 4xx is what a proxy and an operator's log can tell from success.
 * One rule for both places that answer such errors: the HTTP front (refuse.ts) and Apollo Server
 * (requestErrorStatusPlugin).
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/** The codes of GraphQL request errors (parse, validation, variable coercion). */
export const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/** True when application/json is the only media type the Accept header lists (q=0 entries aside): no graphql-response+json, no wildcard, nothing else. */
export function acceptsOnlyJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const types = accept
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
      const q = params.find((param) => param.startsWith('q='));
      return q !== undefined && Number(q.slice(2)) === 0 ? '' : type;
    })
    .filter((type) => type !== '');
  return types.length > 0 && types.every((type) => type === 'application/json');
}

/** The status to send for a 400 request error with these codes, given the Accept header. */
export function requestErrorStatus(status: number, codes: readonly (string | null | undefined)[], accept: string | undefined): number {
  if (status !== 400 || codes.length === 0) return status;
  if (!codes.every((code) => code !== null && code !== undefined && REQUEST_ERROR_CODES.has(code))) return status;
  return acceptsOnlyJson(accept) ? 200 : status;
}

/** Apollo Server's own 400s for request errors (no `data`): 200 for clients that accept only application/json. */
export function requestErrorStatusPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response }) {
          if (response.body.kind !== 'single' || response.http.status !== 400) return;
          const result = response.body.singleResult;
          if (result.data !== undefined) return;
          const codes = (result.errors ?? []).map((error) => error.extensions?.['code'] as string | undefined);
          response.http.status = requestErrorStatus(400, codes, request.http?.headers.get('accept'));
        },
      };
    },
  };
}
