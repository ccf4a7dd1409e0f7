import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherRequestInit, FetcherResponse as UtilsFetcherResponse } from '@apollo/utils.fetcher';
import { context as traceContext, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';
import type { Dispatcher } from 'undici';
import type { GatewayContext } from './context';
import type { IdentitySigner } from './identity-signing';
import { IDENTITY_HEADER, type IdentityClaims } from '../lib/gateway-identity';
import { REQUEST_ID_HEADER } from './request-id';
import { startPhase } from './observability/spans';
import { callSubgraph } from './subgraph-transport';

type FetcherResponse = Parameters<RemoteGraphQLDataSource['didEncounterError']>[2];

export const PURPOSE_HEADER = 'x-purpose';

/**
 * Internal only, never sent: willSendRequest marks a caller's call with it, and the fetcher, which
 * sees the exact body but not the caller, finds the caller by it.
 */
const CALL_HEADER = 'x-gateway-pending-call';

/** How the gateway reaches one subgraph. */
export interface SubgraphTransport {
  /** Deadline of one call: connecting, sending, the answer's headers and its whole body. */
  readonly timeoutMs: number;
  /** The connection pool (createSubgraphDispatcher: trusts the configured CA for https URLs). */
  readonly dispatcher: Dispatcher;
  /** Counts each call's latency and failures (gateway/observability/metrics.ts). */
  readonly observer?: SubgraphCallObserver;
}

/** What the metrics learn of subgraph calls. */
export interface SubgraphCallObserver {
  /** A call starts; the function returned is called once its answer's headers arrived or it failed. */
  subgraphCallStarted(subgraph: string): () => void;
  subgraphCallFailed(subgraph: string, kind: 'timeout' | 'unavailable' | 'http'): void;
}

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
 * The caller's identity is attached to subgraph requests in one place, this class: the verified
 * principal, its declared purpose and the rule version, signed by the gateway into a JWS for
 * ONE call to this subgraph (`aud` = its name, `bsh` = SHA-256 of the exact body bytes sent, a
 * fresh `jti`, a lifetime of seconds; see lib/gateway-identity.ts). willSendRequest marks a
 * caller's call; the fetcher signs over the bytes it then sends, so what is hashed is what goes on
 * the wire. Subgraphs answer 401 without it, to another body, or to the same token twice. The
 * caller's bearer token is never forwarded (it is an end-user credential for the gateway).
 *
 * Each call has a deadline: a subgraph that does not answer in time gives the caller partial data
 * with a SUBGRAPH_TIMEOUT error instead of holding the request (and a connection) open.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** Callers of the calls marked by willSendRequest and not yet sent, by CALL_HEADER value. */
  private readonly pendingCalls = new Map<string, GatewayContext>();
  private callCount = 0;

  constructor(
    readonly subgraphName: string,
    url: string,
    private readonly signer: IdentitySigner,
    private readonly transport: SubgraphTransport,
  ) {
    // undici's request API over the dispatcher that holds the CA (subgraph-transport.ts
    // callSubgraph) rather than RemoteGraphQLDataSource's default make-fetch-happen: the default
    // runs an HTTP agent that builds an Error stack per request to tell HTTP from HTTPS
    // (agent-base isSecureEndpoint; costly under source maps) and wraps each call in minipass
    // streams. Measured with `npm run bench -- --cpu-prof`: ~13% of the gateway's CPU.
    // No cache, no retry — as the default was configured (a subgraph call is never retried).
    super({ url });
    this.fetcher = ((input: string, init?: FetcherRequestInit) => this.send(input, init ?? {})) as Fetcher;
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
    const call = String((this.callCount += 1));
    this.pendingCalls.set(call, context);
    headers.set(CALL_HEADER, call);
  }

  /**
   * A call the gateway makes after a request's response, for that request's caller as the audit
   * trail recorded them (gateway/audit/attribution.ts resolves 住民票コード to 宛名番号): signed
   * for `claims` here as every call is, over the same transport and deadline. The answer's
   * `data` and the root fields that failed in it (null in `data`), or a SubgraphCallError naming
   * the subgraph, the status and the error codes (never the body: it may hold person data).
   */
  async callFor(claims: IdentityClaims, request: { query: string; variables: Record<string, unknown> }): Promise<{ data: Record<string, unknown>; failed: ReadonlySet<string> }> {
    const headers = { 'content-type': 'application/json', accept: 'application/json', [REQUEST_ID_HEADER]: claims.requestId, [PURPOSE_HEADER]: claims.purpose };
    const response = await this.send(this.url!, { method: 'POST', headers, body: JSON.stringify(request) }, claims);
    const answer = (await response.json().catch(() => null)) as { data?: Record<string, unknown> | null; errors?: { path?: unknown[]; extensions?: { code?: unknown } }[] } | null;
    if (response.status === 200 && answer?.data) return { data: answer.data, failed: new Set((answer.errors ?? []).flatMap((error) => (typeof error.path?.[0] === 'string' ? [error.path[0]] : []))) };
    const codes = [...new Set((answer?.errors ?? []).map((error) => String(error.extensions?.code ?? 'UNKNOWN')))];
    throw new SubgraphCallError(`${this.subgraphName} answered ${response.status}${codes.length ? ` (${codes.join(', ')})` : ''}`, response.status);
  }

  /**
   * The fetcher: RemoteGraphQLDataSource.sendRequest serialises the request and calls this with
   * the body. The identity is signed over exactly the bytes sent here.
   */
  private async send(url: string, init: FetcherRequestInit, claims?: IdentityClaims): Promise<UtilsFetcherResponse> {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    const call = headers[CALL_HEADER];
    delete headers[CALL_HEADER];
    // UTF-8, as fetch would encode the string: these bytes are hashed and these bytes are sent.
    const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : (init.body ?? Buffer.alloc(0));
    if (call !== undefined) {
      const context = this.pendingCalls.get(call);
      this.pendingCalls.delete(call);
      if (!context) throw new Error(`internal: subgraph call ${call} to ${this.subgraphName} has no caller`);
      headers[IDENTITY_HEADER] = await this.signer.sign(identityClaimsOf(context), this.subgraphName, body);
    } else if (claims) {
      headers[IDENTITY_HEADER] = await this.signer.sign(claims, this.subgraphName, body);
    }
    // The call's span (under @apollo/gateway's gateway.fetch); the subgraph continues it from `traceparent`.
    const span = startPhase('gateway.subgraph_call', { 'subgraph.name': this.subgraphName }, SpanKind.CLIENT);
    if (span) propagation.inject(trace.setSpan(traceContext.active(), span), headers);
    const done = this.transport.observer?.subgraphCallStarted(this.subgraphName);
    try {
      // The deadline covers the body too: RemoteGraphQLDataSource reads it after this resolves.
      const response = await callSubgraph(this.transport.dispatcher, url, { method: init.method ?? 'POST', headers, body, timeoutMs: this.transport.timeoutMs });
      span?.setAttribute('http.response.status_code', response.status);
      if (response.status >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
      return response as unknown as UtilsFetcherResponse;
    } catch (error) {
      span?.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      done?.();
      span?.end();
    }
  }

  /**
   * A subgraph that cannot be reached, or does not answer within its deadline, is reported to the
   * caller by name only: the network error quotes internal addresses, which belong in the log,
   * not in a response.
   */
  override didEncounterError(error: Error, _fetchRequest: unknown, fetchResponse?: FetcherResponse, context?: GatewayContext): void {
    const logger = (context as Partial<GatewayContext> | undefined)?.logger;
    this.transport.observer?.subgraphCallFailed(this.subgraphName, isTimeout(error) ? 'timeout' : fetchResponse !== undefined ? 'http' : 'unavailable');
    if (isTimeout(error)) {
      logger?.warn({ subgraph: this.subgraphName, timeoutMs: this.transport.timeoutMs }, 'subgraph did not answer within its deadline');
      throw new GraphQLError(`The ${this.subgraphName} subgraph did not answer in time`, {
        extensions: { code: 'SUBGRAPH_TIMEOUT', serviceName: this.subgraphName },
      });
    }
    if (fetchResponse !== undefined) {
      // An HTTP status other than 2xx, or a body that could not be read or was not JSON: the
      // status (never the body, the address or the parser's message, which quotes the body) in
      // the log; the caller learns only which subgraph failed.
      logger?.error({ subgraph: this.subgraphName, status: fetchResponse.status, err: error instanceof SubgraphAnswerError ? undefined : error.name }, 'subgraph answer unusable');
    } else {
      logger?.error({ subgraph: this.subgraphName, err: error.message, cause: causeOf(error) }, 'subgraph unreachable');
    }
    throw new GraphQLError(`The ${this.subgraphName} subgraph is unavailable`, {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.subgraphName },
    });
  }

  /**
   * A subgraph's answer other than 2xx (a 3xx too: calls never follow redirects, which would carry
   * the signed identity elsewhere). RemoteGraphQLDataSource's own version quotes the subgraph's
   * URL and whole body in the error's extensions, and so to the caller: an internal address, or
   * data the rules never saw. The body is read (the connection goes back to the pool) and dropped.
   */
  override async errorFromResponse(response: UtilsFetcherResponse): Promise<GraphQLError> {
    await response.text().catch(() => undefined);
    return new SubgraphAnswerError(`The ${this.subgraphName} subgraph answered ${response.status}`);
  }
}

/** A subgraph's answer with an HTTP status other than 2xx (errorFromResponse); reported to the caller as SUBGRAPH_UNAVAILABLE. */
class SubgraphAnswerError extends GraphQLError {}

/** A call of `callFor` that the subgraph did not answer with data: `status` 4xx refused it, 5xx (or 0: unreachable) failed. */
export class SubgraphCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The call's deadline fired (callSubgraph): before the answer or while reading its body. By name:
 * the DOMException comes from Node's internals, not always this realm's Error (e.g. under jest).
 */
function isTimeout(error: unknown): boolean {
  const nameOf = (value: unknown) => (typeof value === 'object' && value !== null ? (value as { name?: unknown }).name : undefined);
  return nameOf(error) === 'TimeoutError' || nameOf((error as { cause?: unknown } | null)?.cause) === 'TimeoutError';
}

/** Why a call failed (refused connection, unknown CA …), from the socket's error or its cause: for the log. */
function causeOf(error: Error): string | undefined {
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') return code;
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return typeof cause === 'object' && cause !== null ? (cause.code ?? cause.message) : undefined;
}
