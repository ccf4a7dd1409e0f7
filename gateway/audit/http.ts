import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { PolicySet } from '../../lib/policy/types';
import { authorizationOf } from '../auth/middleware';
import { refuse } from '../http/refuse';
import { requestStateOf } from '../http/request-state';
import { claimedTextsOf, headerRefusal, refuseClientText } from './client-text';
import { refusalEntry } from './entry';
import type { AuditWriter } from './writer';

export const CASE_ID_HEADER = 'x-case-id';

/** The X-Case-Id of a request that passed caseReferenceMiddleware (null when none was sent). */
export function caseReferenceOf(req: Request): string | null {
  return requestStateOf(req).caseReference ?? null;
}

/**
 * First on the GraphQL path: every refusal the Apollo plugin does not record (by the
 * authentication, the access rules, the limits, a missing case reference, a malformed body, a
 * 5xx outside Apollo) reaches the trail through the request's recorder, which `refuse`
 * (gateway/http/refuse.ts) calls BEFORE it answers, with the typed refusal. Such an answer
 * carries no person data, so it is sent even when the write failed (the failure is logged).
 */
export function auditRefusalsMiddleware(writer: AuditWriter, rules: () => PolicySet, logger: Logger): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const state = requestStateOf(req);
    state.recordRefusal = (refusal) => {
      const entry = refusalEntry({
        receivedAt: state.receivedAt,
        requestId: state.requestId,
        identity: state.identity,
        // As claimed: valid texts as sent, refused ones cut to their limits (client-text.ts).
        claims: claimedTextsOf(req),
        status: refusal.status,
        code: refusal.code === null ? null : refusal.code.slice(0, 64),
        reason: refusal.reason === null ? null : refusal.reason.slice(0, 64),
        ruleVersion: safeVersion(rules),
      });
      return writer.write(entry).then(
        () => undefined,
        () => logger.error({ requestId: entry.requestId, status: refusal.status }, 'audit entry of a refused request not written'),
      );
    };
    next();
  };
}

/**
 * After the profile middleware: reads X-Case-Id (400 INVALID_CLIENT_TEXT when it is not printable
 * ASCII of at most 64 characters, client-text.ts) and refuses, with 400 case_reference_required, a
 * request without one when the rules make it mandatory for the declared purpose
 * (purposes.yaml `caseReferenceRequired`). The refusal is audited (REFUSED) through `refuse`.
 * The case reference is the client's claim: the trail records it as sent.
 */
export function caseReferenceMiddleware(rules: () => PolicySet): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refusal = headerRefusal(req, 'caseReference');
    if (refusal) {
      refuseClientText(req, res, refusal);
      return;
    }
    const state = requestStateOf(req);
    const caseReference = state.client.caseReference?.value ?? null;
    state.caseReference = caseReference;
    const { principal } = authorizationOf(req);
    if (caseReference === null && rules().purposes.get(principal.purpose)?.caseReferenceRequired === true) {
      refuse(req, res, {
        status: 400,
        code: 'BAD_REQUEST',
        reason: 'case_reference_required',
        message: `Purpose ${principal.purpose} requires a case reference: send the X-Case-Id header`,
      });
      return;
    }
    next();
  };
}

function safeVersion(rules: () => PolicySet): string | null {
  try {
    return rules().version;
  } catch {
    return null;
  }
}
