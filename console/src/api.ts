/**
 * The console's only door to data: POST /graphql with the officer's bearer token, as any other
 * client. The API decides; the console shows the decision, refusals included, in Japanese.
 */
export interface GraphQLErrorShape {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly [key: string]: unknown };
}

export class ApiError extends Error {
  constructor(
    /** Japanese, for the officer */
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details: readonly GraphQLErrorShape[] = [],
  ) {
    super(message);
  }
}

/** The refusal a non-officer gets (policy audit_trail: security-officer with MFA only). */
export const NOT_AN_OFFICER =
  'この画面は情報セキュリティ担当（多要素認証でサインインした security-officer）だけが使えます。このトークンでは監査証跡とルールを読めません。';

function japaneseFor(status: number, code: string, message: string, reason: unknown): string {
  // The console declares the purpose 監査 (X-Purpose: audit): a department not registered for it
  // is not the security office.
  if (reason === 'purpose_not_registered') return `${NOT_AN_OFFICER}（${message}）`;
  if (status === 401) return `サインインできません（${code}）：トークンが無効、期限切れ、または取り消されています。`;
  if (code === 'UNAUTHORIZED_FIELD_OR_TYPE' || status === 403) return NOT_AN_OFFICER;
  if (status === 429) return '要求が多すぎます。少し待ってからもう一度お試しください。';
  if (status >= 500) return `サーバーで問題が起きました（${code}）。しばらくしてからもう一度お試しください。`;
  return `要求を受け付けられませんでした（${code}）：${message}`;
}

export interface ApiClient {
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export function apiClient(endpoint: string, token: string, clientVersion = '1'): ApiClient {
  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json',
            authorization: `Bearer ${token}`,
            'x-purpose': 'audit',
            'apollographql-client-name': 'security-console',
            'apollographql-client-version': clientVersion,
          },
          body: JSON.stringify({ query, variables }),
        });
      } catch {
        throw new ApiError('ゲートウェイに接続できません。ネットワークを確認してください。', 'NETWORK', 0);
      }
      let body: { data?: T | null; errors?: GraphQLErrorShape[] } = {};
      try {
        body = (await response.json()) as typeof body;
      } catch {
        // a non-JSON answer (proxy error page): reported by status below
      }
      const errors = body.errors ?? [];
      if (!response.ok || errors.length > 0) {
        const first = errors[0];
        const code = first?.extensions?.code ?? `HTTP_${response.status}`;
        throw new ApiError(japaneseFor(response.status, code, first?.message ?? response.statusText, first?.extensions?.['reason']), code, response.status, errors);
      }
      if (body.data == null) throw new ApiError('応答にデータがありません。', 'NO_DATA', response.status);
      return body.data;
    },
  };
}

/** The token's claims, for the header only (display; the gateway verifies the signature). */
export interface TokenClaims {
  readonly sub?: string;
  readonly name?: string;
  readonly department?: string;
  readonly department_id?: string;
  readonly roles?: readonly string[];
  readonly amr?: readonly string[];
  readonly exp?: number;
}

export function readClaims(token: string): TokenClaims | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = decodeURIComponent(
      Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
    const claims = JSON.parse(json) as unknown;
    return claims && typeof claims === 'object' ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}
