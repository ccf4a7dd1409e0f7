import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context';
import type { IdentitySigner } from './identity-signing';
import { IDENTITY_HEADER, IDENTITY_LIFETIME_SECONDS, type IdentityClaims } from '../lib/gateway-identity';

type FetcherResponse = Parameters<RemoteGraphQLDataSource['didEncounterError']>[2];

export const REQUEST_ID_HEADER = 'x-request-id';
export const PURPOSE_HEADER = 'x-purpose';

/**
 * A token is reused for further fetches of the same request to the same subgraph (a plan may
 * fetch one subgraph several times) while at least this much of its lifetime is left.
 */
const REUSE_MARGIN_SECONDS = 20;

interface CachedToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

/** Signed tokens per request context, per subgraph; dropped with the context. */
const tokensByContext = new WeakMap<GatewayContext, Map<string, CachedToken>>();

/** What is signed for a request: the principal as the rules see it, the rule version, the request id. */
export function identityClaimsOf(context: GatewayContext): IdentityClaims {
  const { principal } = context;
  return {
    sub: principal.subject,
    department: principal.departmentId,
    roles: principal.roles,
    purpose: principal.purpose,
    mfa: principal.mfa,
    scopes: principal.scopes,
    ruleVersion: context.profile.ruleVersion,
    requestId: context.requestId,
  };
}

/**
 * Every call from the gateway to a subgraph goes through here.
 *
 * `willSendRequest` is THE single place where the caller's identity is attached to subgraph
 * requests: the verified principal, its declared purpose and the rule version, signed by the
 * gateway into a short-lived JWS for this subgraph only (`aud` = its name; see
 * lib/gateway-identity.ts). Subgraphs answer 401 without it. The caller's bearer token is never
 * forwarded (it is an end-user credential for the gateway, not for subgraphs).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly subgraphName: string,
    url: string,
    private readonly signer: IdentitySigner,
  ) {
    // Node's own fetch (undici) rather than RemoteGraphQLDataSource's default make-fetch-happen:
    // the default runs an HTTP agent that builds an Error stack per request to tell HTTP from
    // HTTPS (agent-base isSecureEndpoint; costly under source maps) and wraps each call in
    // minipass streams. Measured with `npm run bench -- --cpu-prof`: ~13% of the gateway's CPU.
    // No cache, no retry — as the default was configured (a subgraph call is never retried).
    super({ url, fetcher: fetch });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Health checks and schema loading run outside any caller's request (and carry no
    // incomingRequestContext; the kind enum itself is not exported by @apollo/gateway). They get
    // no identity, so a subgraph refuses them: this gateway loads its schema from a file.
    if (!('incomingRequestContext' in options)) return;
    const { context, request } = options;
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(REQUEST_ID_HEADER, context.requestId);
    headers.set(PURPOSE_HEADER, context.principal.purpose);
    headers.set(IDENTITY_HEADER, await this.identityToken(context));
  }

  private async identityToken(context: GatewayContext): Promise<string> {
    let tokens = tokensByContext.get(context);
    if (!tokens) tokensByContext.set(context, (tokens = new Map()));
    const cached = tokens.get(this.subgraphName);
    if (cached && cached.expiresAtMs - Date.now() > REUSE_MARGIN_SECONDS * 1000) return cached.token;
    const issuedAtMs = Date.now();
    const token = await this.signer.sign(identityClaimsOf(context), this.subgraphName);
    tokens.set(this.subgraphName, { token, expiresAtMs: issuedAtMs + IDENTITY_LIFETIME_SECONDS * 1000 });
    return token;
  }

  /**
   * A subgraph that cannot be reached is reported to the caller by name only: the network
   * error quotes internal addresses, which belong in the log, not in a response.
   */
  override didEncounterError(error: Error, _fetchRequest: unknown, fetchResponse?: FetcherResponse, context?: GatewayContext): void {
    if (fetchResponse !== undefined) throw error;
    (context as Partial<GatewayContext> | undefined)?.logger?.error({ subgraph: this.subgraphName, err: error.message }, 'subgraph unreachable');
    throw new GraphQLError(`The ${this.subgraphName} subgraph is unavailable`, {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.subgraphName },
    });
  }
}
