import type { Request } from 'express';
import type { Identity, RequestAuditState, RequestAuthorization } from '../context';
import { parseClientHeaders, type ClientHeaders } from './client-headers';
import type { AccessFacts } from './access-facts';

export type { AccessFacts } from './access-facts';

/** What the audit trail records of a refused request (gateway/http/refuse.ts). */
export interface RecordedRefusal {
  readonly status: number;
  readonly code: string | null;
  readonly reason: string | null;
}

/**
 * Everything the HTTP front learns about one request, in one typed object created once, when the
 * request arrives (request-id.ts), and filled in by the front's middlewares in order; the Apollo
 * context (server.ts) is built from it. Members that a middleware sets are read through accessors
 * that fail closed when the middleware did not run (auth/middleware.ts, audit/http.ts).
 */
export interface RequestState {
  /** The gateway's own id for the request (a random UUID; never the client's). */
  readonly requestId: string;
  readonly receivedAt: Date;
  /** The client's headers, parsed once (client-headers.ts). */
  readonly client: ClientHeaders;
  /** The verified caller (authentication middleware). */
  identity?: Identity;
  /** Principal and permission profile (permission profile middleware). */
  authorization?: RequestAuthorization;
  /** X-Case-Id as accepted by the case-reference middleware; null when none was sent. */
  caseReference?: string | null;
  /** Shared by the refusal recorder and the audit plugin: exactly one of them records a request. */
  readonly audit: RequestAuditState;
  /** The code the front refused the request with (refuse.ts), for the metrics and the access log. */
  refusedWith?: string;
  /** For the access log line. */
  readonly access: AccessFacts;
  /** Records a refusal before it is answered (set by the audit's front middleware when the gateway keeps a trail). */
  recordRefusal?: (refusal: RecordedRefusal) => Promise<void>;
}

/**
 * The one side table of the front. Why a WeakMap: Express hands the same `Request` object to every
 * middleware and to Apollo's context function, but gives it no typed slot; keyed by the request,
 * the state lives exactly as long as the request and no global type of Express is widened.
 */
const states = new WeakMap<Request, RequestState>();

export function createRequestState(req: Request, requestId: string): RequestState {
  const client = parseClientHeaders(req.headers);
  const state: RequestState = {
    requestId,
    receivedAt: new Date(),
    client,
    audit: { handled: false },
    access: { operationName: null, decision: null, errorCodes: [], cause: null },
  };
  states.set(req, state);
  return state;
}

/** The request's state; throws when the request-id middleware (which creates it) did not run: a wiring bug. */
export function requestStateOf(req: Request): RequestState {
  const state = states.get(req);
  if (state === undefined) throw new Error('request id middleware did not run for this request');
  return state;
}

/** The state, when the request has one (the error handler may see a request that failed before). */
export function maybeRequestStateOf(req: Request): RequestState | undefined {
  return states.get(req);
}
