import { createHash } from 'node:crypto';
import type { PolicyReloadEvent } from '../../lib/policy/store';
import { SUPPORT_MEASURE_RESTRICTED_CODE, UNAUTHORIZED_FIELD_CODE, type FieldClassification } from '../../lib/authorization/types';
import { eventDecision, type AuditDecision, type AuditEntryInput } from '../../lib/audit/types';
import { BULK_CODES } from '../../lib/bulk/approvals';
import { QUERY_PLAN_TOO_COMPLEX_CODE, type AuthorizationOutcome } from '../authorization';
import { COST_LIMIT_EXCEEDED_CODE } from '../limits/cost-plugin';
import type { GatewayContext, Identity, RequestAuditState } from '../context';
import type { ClaimedTexts } from './client-text';

/** Codes that are decisions of the rules, not failures of the operation. */
const AUTHORIZATION_CODES: ReadonlySet<string> = new Set([UNAUTHORIZED_FIELD_CODE, SUPPORT_MEASURE_RESTRICTED_CODE]);

/**
 * Codes by which a limit refused the whole operation — before any subgraph call (cost, planning)
 * or by withholding the answer (bulk output): REFUSED, like the refusals before execution, not
 * FAILED. (BULK_COUNT_UNAVAILABLE is a failure: the ledger could not be reached.)
 */
const REFUSAL_CODES: ReadonlySet<string> = new Set([
  COST_LIMIT_EXCEEDED_CODE,
  QUERY_PLAN_TOO_COMPLEX_CODE,
  ...Object.values(BULK_CODES).filter((code) => code !== BULK_CODES.unavailable),
]);

/** What an operation reaches, by the classifications of the coordinates it asked for. */
export interface OperationReach {
  /** Any requested coordinate (granted or denied) is classified: the operation is audited. */
  readonly classified: boolean;
  /**
   * A granted coordinate carries a @policy other than `statistics`: the response may hold person
   * data, so it is withheld when its entry cannot be written (fail closed). Statistics-only
   * operations are audited too, but go on when the trail is down.
   */
  readonly personData: boolean;
}

export function reachOf(outcome: AuthorizationOutcome | undefined, classifications: ReadonlyMap<string, FieldClassification>): OperationReach {
  if (!outcome) return { classified: false, personData: false };
  let classified = outcome.decision.denied.size > 0;
  let personData = false;
  for (const coordinate of outcome.decision.granted) {
    const classification = classifications.get(coordinate);
    if (!classification) continue;
    classified = true;
    if (classification.policies?.some((alternative) => alternative.some((policy) => policy !== 'statistics'))) personData = true;
  }
  return { classified, personData };
}

export function operationHash(source: string | undefined): string | null {
  return source === undefined ? null : createHash('sha256').update(source).digest('hex');
}

/** The decision an operation's record carries; also what the access log line says (gateway/http/access-log.ts). */
export function decisionOf(outcome: AuthorizationOutcome | undefined, errorCodes: readonly string[], classifications: ReadonlyMap<string, FieldClassification>): AuditDecision {
  if (errorCodes.some((code) => REFUSAL_CODES.has(code))) return 'REFUSED';
  if (!outcome) return 'FAILED';
  if (errorCodes.some((code) => !AUTHORIZATION_CODES.has(code))) return 'FAILED';
  if (outcome.decision.denied.size === 0) return 'GRANTED';
  const grantedClassified = [...outcome.decision.granted].some((coordinate) => classifications.get(coordinate)?.policies);
  return grantedClassified ? 'PARTIAL' : 'DENIED';
}

export interface OperationEntryInput {
  readonly context: GatewayContext;
  readonly outcome: AuthorizationOutcome | undefined;
  readonly classifications: ReadonlyMap<string, FieldClassification>;
  readonly operationName: string | null;
  readonly source: string | undefined;
  readonly errorCodes: readonly string[];
}

/** The entry of one executed (or failed) operation: who, what was granted and denied, whom it returned. */
export function operationEntry({ context, outcome, classifications, operationName, source, errorCodes }: OperationEntryInput): AuditEntryInput {
  return {
    kind: 'OPERATION',
    ...who(context.identity),
    // The client's texts as the front parsed and checked them (gateway/http/client-headers.ts, client-text.ts).
    clientName: context.claims.clientName,
    clientVersion: context.claims.clientVersion,
    occurredAt: context.receivedAt.toISOString(),
    requestId: context.requestId,
    ...(context.claims.claimedRequestId ? { claimedRequestId: context.claims.claimedRequestId } : {}),
    caseReference: context.caseReference,
    operationName,
    operationHash: operationHash(source),
    decision: decisionOf(outcome, errorCodes, classifications),
    grantedFields: outcome ? [...outcome.decision.granted].sort() : [],
    // Granted coordinates whose values were shown masked (policies.yaml `mask:`): the record says so.
    ...(outcome && outcome.decision.masked.size > 0
      ? { maskedFields: [...outcome.decision.masked].sort(([a], [b]) => a.localeCompare(b)).map(([coordinate, mask]) => ({ coordinate, mask: mask.name })) }
      : {}),
    deniedFields: outcome ? [...outcome.decision.denied.values()].map(({ coordinate, policy }) => ({ coordinate, policy })) : [],
    personIds: outcome && !context.audit.personsWithheld ? [...outcome.personIds].sort() : [],
    ruleVersion: context.profile.ruleVersion,
    errorCodes: [...new Set(errorCodes)],
    detail: trustedDocumentDetail(context.audit.trustedDocument),
    bulkApprovalId: context.audit.bulkApprovalId ?? null,
    usage: { ...context.usage },
  };
}

export interface RefusalEntryInput {
  readonly receivedAt: Date;
  readonly requestId: string;
  /** Known when the token was valid (refused by the rules or for a missing case reference). */
  readonly identity: Identity | undefined;
  /** What the client claimed (client-text.ts: valid texts as sent, refused ones cut to their limits). */
  readonly claims: ClaimedTexts;
  readonly status: number;
  readonly code: string | null;
  readonly reason: string | null;
  readonly ruleVersion: string | null;
  /** The registered document the request named or sent (gateway/trusted-documents/), when looked up. */
  readonly trustedDocument?: RequestAuditState['trustedDocument'];
}

/**
 * The document as the trail names it (issue 13): its hash, the app version it is attributed to
 * and its status when the request came (`APPROVED`, `PENDING`, `REJECTED`, `UNREGISTERED`).
 */
export function trustedDocumentDetail(document: RequestAuditState['trustedDocument']): string | null {
  if (!document) return null;
  return `document sha256:${document.hash} ${document.app ? `of app ${document.app} ` : ''}(${document.status})`;
}

/** A request refused before execution (401/400/403) or failed outside Apollo (5xx), with what is known. */
export function refusalEntry(input: RefusalEntryInput): AuditEntryInput {
  const known = input.identity ? who(input.identity) : { subject: null, department: null, roles: [], purpose: null, mfa: null };
  const { claims } = input;
  return {
    kind: 'OPERATION',
    ...known,
    clientName: claims.clientName,
    clientVersion: claims.clientVersion,
    occurredAt: input.receivedAt.toISOString(),
    requestId: input.requestId,
    ...(claims.claimedRequestId !== null ? { claimedRequestId: claims.claimedRequestId } : {}),
    caseReference: claims.caseReference,
    operationName: claims.operationName,
    operationHash: input.trustedDocument?.hash ?? null,
    decision: input.status >= 500 ? 'FAILED' : 'REFUSED',
    grantedFields: [],
    deniedFields: [],
    personIds: [],
    ruleVersion: input.ruleVersion,
    errorCodes: input.code ? [input.code] : [],
    detail: `HTTP ${input.status}${input.reason ? ` ${input.reason}` : ''}${input.trustedDocument ? `; ${trustedDocumentDetail(input.trustedDocument)}` : ''}`,
  };
}

/** RULES_RELOADED / RULES_REJECTED: which version was in force before and which after (or was refused, and why). */
export function ruleEventEntry(event: PolicyReloadEvent, requestId: string): AuditEntryInput {
  const base = {
    occurredAt: event.at.toISOString(),
    requestId,
    subject: null,
    department: null,
    roles: [],
    purpose: null,
    mfa: null,
    clientName: null,
    clientVersion: null,
    caseReference: null,
    operationName: null,
    operationHash: null,
    grantedFields: [],
    deniedFields: [],
    personIds: [],
  };
  if (event.outcome === 'applied') {
    return {
      ...base,
      kind: 'RULES_RELOADED',
      decision: eventDecision('RULES_RELOADED'),
      ruleVersion: event.newVersion,
      errorCodes: [],
      detail: `rules ${event.oldVersion} → ${event.newVersion} (${event.trigger})${event.recoveredFrom ? `, recovered after ${event.recoveredFrom.attemptedVersion} was refused at ${event.recoveredFrom.refusedAt.toISOString()}` : ''}`,
    };
  }
  return {
    ...base,
    kind: 'RULES_REJECTED',
    decision: eventDecision('RULES_REJECTED'),
    // The rules in force stay the old ones.
    ruleVersion: event.oldVersion,
    errorCodes: ['RULES_REJECTED'],
    detail: `rules ${event.attemptedVersion} refused, ${event.oldVersion} stays in force (${event.trigger}): ${event.error.message}`.slice(0, 4000),
  };
}

/** The rules in force when the gateway started (the first RULES_RELOADED of a run). */
export function rulesInForceEntry(version: string, at: Date, requestId: string): AuditEntryInput {
  return { ...ruleEventEntry({ outcome: 'applied', oldVersion: version, newVersion: version, at, trigger: 'manual' }, requestId), detail: `rules ${version} in force at gateway start` };
}

/** Who asked, as the signed token establishes it. */
function who(identity: Identity) {
  return {
    subject: identity.subject,
    department: identity.department.id,
    roles: [...identity.roles],
    purpose: identity.purpose,
    mfa: identity.mfa,
  };
}
