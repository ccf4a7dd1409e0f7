import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { PolicySet } from '../../lib/policy/types';
import { authorizationOf, identityOf } from '../auth/middleware';
import type { Identity, RequestAuditState } from '../context';
import { requestIdOf } from '../request-id';
import { claimedTextsOf, headerRefusal, refuseClientText } from './client-text';
import { refusalEntry } from './entry';
import type { AuditWriter } from './writer';

export const CASE_ID_HEADER = 'x-case-id';

const states = new WeakMap<Request, RequestAuditState>();
const caseReferences = new WeakMap<Request, string | null>();

/** The request's audit state (created by auditRefusalsMiddleware). */
export function auditStateOf(req: Request): RequestAuditState {
  let state = states.get(req);
  if (!state) {
    state = { receivedAt: new Date(), handled: false, claimedRequestId: claimedTextsOf(req).claimedRequestId };
    states.set(req, state);
  }
  return state;
}

/** The X-Case-Id of a request that passed caseReferenceMiddleware (null when none was sent). */
export function caseReferenceOf(req: Request): string | null {
  return caseReferences.get(req) ?? null;
}

/**
 * First on the GraphQL path: every response the Apollo plugin does not record (a refusal by the
 * authentication or the access rules, a missing case reference, a malformed body, a 5xx outside
 * Apollo) is recorded here, with what is known, BEFORE it is sent: `res.end` waits for the
 * write. Such a response carries no person data, so it is sent even when the write failed
 * (the failure is logged).
 */
export function auditRefusalsMiddleware(writer: AuditWriter, rules: () => PolicySet, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const state = auditStateOf(req);
    const end = res.end;
    res.end = function auditedEnd(this: Response, ...args: unknown[]) {
      if (state.handled || res.statusCode < 400) return (end as (...a: unknown[]) => Response).apply(this, args);
      state.handled = true;
      const { code, reason } = errorOf(args[0]);
      let identity: Identity | undefined;
      try {
        identity = identityOf(req);
      } catch {
        identity = undefined;
      }
      const entry = refusalEntry({
        receivedAt: state.receivedAt,
        requestId: requestIdOf(req),
        identity,
        // As claimed: valid texts as sent, refused ones cut to their limits (client-text.ts).
        claims: claimedTextsOf(req),
        status: res.statusCode,
        code,
        reason,
        ruleVersion: safeVersion(rules),
      });
      writer
        .write(entry)
        .catch(() => logger.error({ requestId: entry.requestId, status: res.statusCode }, 'audit entry of a refused request not written'))
        .finally(() => (end as (...a: unknown[]) => Response).apply(res, args));
      return res;
    } as Response['end'];
    next();
  };
}

/**
 * After the profile middleware: reads X-Case-Id (400 INVALID_CLIENT_TEXT when it is not printable
 * ASCII of at most 64 characters, client-text.ts) and refuses, with 400 case_reference_required, a
 * request without one when the rules make it mandatory for the declared purpose
 * (purposes.yaml `caseReferenceRequired`). The refusal is audited (REFUSED) by
 * auditRefusalsMiddleware. The case reference is the client's claim: the trail records it as sent.
 */
export function caseReferenceMiddleware(rules: () => PolicySet): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refusal = headerRefusal(req, 'caseReference');
    if (refusal) {
      refuseClientText(req, res, refusal);
      return;
    }
    const raw = req.headers[CASE_ID_HEADER];
    const value = typeof raw === 'string' ? raw.trim() : undefined;
    const caseReference = value === undefined || value === '' ? null : value;
    caseReferences.set(req, caseReference);
    const { principal } = authorizationOf(req);
    if (caseReference === null && rules().purposes.get(principal.purpose)?.caseReferenceRequired === true) {
      refuse(req, res, `Purpose ${principal.purpose} requires a case reference: send the X-Case-Id header`, 'case_reference_required');
      return;
    }
    next();
  };
}

function refuse(req: Request, res: Response, message: string, reason: string): void {
  res.setHeader('Cache-Control', 'no-store');
  const type =
    req.accepts(['application/json', 'application/graphql-response+json']) === 'application/graphql-response+json'
      ? 'application/graphql-response+json; charset=utf-8'
      : 'application/json; charset=utf-8';
  res.status(400).type(type).send(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST', reason } }] }));
}

/** The code and reason of the gateway's own error body (never anything else of it). */
function errorOf(chunk: unknown): { code: string | null; reason: string | null } {
  try {
    const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : typeof chunk === 'string' ? chunk : undefined;
    if (text === undefined) return { code: null, reason: null };
    const body = JSON.parse(text) as { errors?: { extensions?: { code?: unknown; reason?: unknown } }[] };
    const extensions = body.errors?.[0]?.extensions;
    const code = typeof extensions?.code === 'string' ? extensions.code.slice(0, 64) : null;
    const reason = typeof extensions?.reason === 'string' ? extensions.reason.slice(0, 64) : null;
    return { code, reason };
  } catch {
    return { code: null, reason: null };
  }
}

function safeVersion(rules: () => PolicySet): string | null {
  try {
    return rules().version;
  } catch {
    return null;
  }
}
