import type { Request, Response } from 'express';
import { maybeRequestStateOf, type RecordedRefusal } from './request-state';
import { requestErrorStatus } from './request-error-status';

/**
 * A refusal at the gateway's HTTP front, before Apollo Server runs the operation: what the caller
 * is told (status, code, message, safe extensions) and what the audit trail records of it
 * (status, code, reason). Never carries a value the client sent.
 */
export interface Refusal {
  readonly status: number;
  /** `extensions.code`. */
  readonly code: string;
  readonly message: string;
  /** `extensions.reason`: which rule refused (snake_case), recorded in the entry's detail. */
  readonly reason?: string;
  /** Further `extensions` members (limits, budgets, the header's name): never the client's value. */
  readonly extensions?: Readonly<Record<string, string | number>>;
  /** Response headers (WWW-Authenticate, Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type { RecordedRefusal } from './request-state';

/**
 * The one way the front says no: records the refusal (when the gateway keeps a trail and nothing
 * recorded this request yet), THEN answers with a GraphQL-shaped error body. Such an answer carries
 * no person data, so it is sent even when the record failed (the recorder logs that).
 */
export function refuse(req: Request, res: Response, given: Refusal): void {
  // A document that does not parse or validate: 200 for a client that accepts only application/json (request-error-status.ts).
  const status = requestErrorStatus(given.status, [given.code], req.headers.accept);
  const refusal = status === given.status ? given : { ...given, status };
  const state = maybeRequestStateOf(req);
  if (state) {
    state.access.errorCodes = [refusal.code];
    state.refusedWith = refusal.code;
  }
  const recording = recordRefusal(req, { status: refusal.status, code: refusal.code, reason: refusal.reason ?? null });
  if (recording === undefined) {
    answer(req, res, refusal);
    return;
  }
  // The recorder never rejects (it logs a failed write); an answer that cannot be sent goes to the error handler.
  recording.then(() => answer(req, res, refusal)).catch((error: unknown) => req.next?.(error));
}

/**
 * Records a refusal once per request (also one the front did not write itself: Apollo Server's own
 * answer to a request it could not take); undefined when there is nothing to record (no trail, or
 * already recorded).
 */
export function recordRefusal(req: Request, refusal: RecordedRefusal): Promise<void> | undefined {
  const state = maybeRequestStateOf(req);
  if (state === undefined || state.audit.handled || state.recordRefusal === undefined) return undefined;
  state.audit.handled = true;
  return state.recordRefusal(refusal);
}

function answer(req: Request, res: Response, refusal: Refusal): void {
  for (const [name, value] of Object.entries(refusal.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  // Follow the GraphQL-over-HTTP media type when the client asks for it.
  const type =
    req.accepts(['application/json', 'application/graphql-response+json']) === 'application/graphql-response+json'
      ? 'application/graphql-response+json; charset=utf-8'
      : 'application/json; charset=utf-8';
  const extensions = { code: refusal.code, ...(refusal.reason !== undefined ? { reason: refusal.reason } : {}), ...refusal.extensions };
  res.status(refusal.status).type(type).send(JSON.stringify({ errors: [{ message: refusal.message, extensions }] }));
}
