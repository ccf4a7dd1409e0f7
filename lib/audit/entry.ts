/**
 * Entry validation: an AuditEntryInput as the store takes it — exactly the contract's keys (what
 * is stored is what is hashed), every text bounded (lib/audit/limits.ts), before any hashing.
 */
import { AuditInputError } from './errors';
import { CLIENT_TEXT_LIMITS, ESTABLISHED_TEXT_LIMITS, MAX_RECORD_BYTES, clientTextProblem, storableTextProblem, type ClientTextMember } from './limits';
import { EVENT_DECISIONS, RULE_CHANGE_KINDS, type AuditDecision, type AuditEntryInput, type AuditEventKind, type AuditUsage } from './types';

const KINDS: readonly AuditEventKind[] = ['OPERATION', 'PERSONS_ATTRIBUTED', 'RULES_RELOADED', 'RULES_REJECTED', 'BULK_APPROVAL_ISSUED', 'BULK_APPROVAL_WITHDRAWN', 'TRUSTED_DOCUMENT_DECIDED', ...RULE_CHANGE_KINDS];
const DECISIONS: readonly AuditDecision[] = ['GRANTED', 'PARTIAL', 'DENIED', 'FAILED', 'REFUSED'];

type TextLimit = { client: ClientTextMember } | { limit: number };

function checkedText(key: string, value: string, limit: TextLimit): string {
  const problem = 'client' in limit ? clientTextProblem(value, CLIENT_TEXT_LIMITS[limit.client]) : storableTextProblem(value, limit.limit);
  // Never the value in the message: it may be long, malformed, or person data.
  if (problem !== null) throw new AuditInputError(`audit entry: ${key} refused (${problem})`);
  return value;
}

function optionalString(entry: Record<string, unknown>, key: string, limit: TextLimit): string | null {
  const value = entry[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new AuditInputError(`audit entry: ${key} must be a string or null`);
  return checkedText(key, value, limit);
}

function requiredString(entry: Record<string, unknown>, key: string, limit: TextLimit): string {
  const value = entry[key];
  if (typeof value !== 'string' || value === '') throw new AuditInputError(`audit entry: ${key} is required`);
  return checkedText(key, value, limit);
}

function stringList(entry: Record<string, unknown>, key: string, limit: number = ESTABLISHED_TEXT_LIMITS.listItem): string[] {
  const value = entry[key] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new AuditInputError(`audit entry: ${key} must be a list of strings`);
  }
  for (const item of value as string[]) checkedText(key, item, { limit });
  return [...(value as string[])];
}

const USAGE_MEMBERS = ['estimatedCost', 'costBudget', 'rowsReturned', 'personsReturned'] as const;

/** Usage with its four members (null when not measured); null when nothing was measured. */
function usageOf(value: unknown): AuditUsage | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new AuditInputError('audit entry: usage must be an object or null');
  const given = value as Record<string, unknown>;
  const usage: Record<string, number | null> = {};
  for (const member of USAGE_MEMBERS) {
    const figure = given[member] ?? null;
    const integer = member === 'rowsReturned' || member === 'personsReturned';
    if (figure !== null && (typeof figure !== 'number' || !Number.isFinite(figure) || figure < 0 || figure > Number.MAX_SAFE_INTEGER || (integer && !Number.isInteger(figure)))) {
      throw new AuditInputError(`audit entry: usage.${member} must be a ${integer ? 'whole' : ''} number of at least 0, or null`);
    }
    usage[member] = figure as number | null;
  }
  // All null is "not measured": stored as no usage (so what is read back hashes the same).
  return USAGE_MEMBERS.some((member) => usage[member] !== null) ? (usage as unknown as AuditUsage) : null;
}

/**
 * A copy of the entry with exactly the contract's keys (what is stored is what is hashed), every
 * text checked against lib/audit/limits.ts (well-formed, no U+0000, bounded; the client's claims
 * also without controls) and the whole record against MAX_RECORD_BYTES — before any hashing or
 * transaction. The optional members (usage, bulkApprovalId, claimedRequestId, maskedFields) are left out when
 * null, as records written before they existed have none.
 */
export function normaliseEntry(input: AuditEntryInput): AuditEntryInput {
  if (!input || typeof input !== 'object') throw new AuditInputError('audit entry must be an object');
  const entry = input as unknown as Record<string, unknown>;
  const kind = entry.kind as AuditEventKind;
  if (!KINDS.includes(kind)) throw new AuditInputError(`audit entry: unknown kind ${String(kind).slice(0, 32)}`);
  const decision = entry.decision as AuditDecision;
  if (!DECISIONS.includes(decision)) throw new AuditInputError(`audit entry: unknown decision ${String(decision).slice(0, 32)}`);
  if (kind !== 'OPERATION' && decision !== EVENT_DECISIONS[kind]) throw new AuditInputError(`audit entry: a ${kind} event is recorded with decision ${EVENT_DECISIONS[kind]}`);
  const occurredAt = requiredString(entry, 'occurredAt', { limit: 64 });
  if (Number.isNaN(Date.parse(occurredAt))) throw new AuditInputError('audit entry: occurredAt is not an ISO 8601 time');
  const mfa = entry.mfa ?? null;
  if (mfa !== null && typeof mfa !== 'boolean') throw new AuditInputError('audit entry: mfa must be a boolean or null');
  const denied = entry.deniedFields ?? [];
  if (!Array.isArray(denied)) throw new AuditInputError('audit entry: deniedFields must be a list');
  const item = { limit: ESTABLISHED_TEXT_LIMITS.listItem };
  const deniedFields = denied.map((field: unknown) => {
    const { coordinate, policy } = (field ?? {}) as { coordinate?: unknown; policy?: unknown };
    if (typeof coordinate !== 'string' || typeof policy !== 'string') {
      throw new AuditInputError('audit entry: deniedFields items are { coordinate, policy } strings');
    }
    return { coordinate: checkedText('deniedFields', coordinate, item), policy: checkedText('deniedFields', policy, item) };
  });
  const limits = ESTABLISHED_TEXT_LIMITS;
  const normalised: AuditEntryInput = {
    kind,
    occurredAt,
    requestId: requiredString(entry, 'requestId', { limit: limits.requestId }),
    subject: optionalString(entry, 'subject', { limit: limits.subject }),
    department: optionalString(entry, 'department', { limit: limits.department }),
    roles: stringList(entry, 'roles'),
    purpose: optionalString(entry, 'purpose', { limit: limits.purpose }),
    mfa: mfa as boolean | null,
    clientName: optionalString(entry, 'clientName', { client: 'clientName' }),
    clientVersion: optionalString(entry, 'clientVersion', { client: 'clientVersion' }),
    caseReference: optionalString(entry, 'caseReference', { client: 'caseReference' }),
    operationName: optionalString(entry, 'operationName', { client: 'operationName' }),
    operationHash: optionalString(entry, 'operationHash', { limit: limits.operationHash }),
    decision,
    grantedFields: stringList(entry, 'grantedFields'),
    deniedFields,
    personIds: stringList(entry, 'personIds', limits.personId),
    ruleVersion: optionalString(entry, 'ruleVersion', { limit: limits.ruleVersion }),
    errorCodes: stringList(entry, 'errorCodes'),
    detail: optionalString(entry, 'detail', { limit: limits.detail }),
  };
  const usage = usageOf(entry.usage);
  if (usage !== null) normalised.usage = usage;
  const bulkApprovalId = optionalString(entry, 'bulkApprovalId', { client: 'bulkApprovalId' });
  if (bulkApprovalId !== null) normalised.bulkApprovalId = bulkApprovalId;
  const claimedRequestId = optionalString(entry, 'claimedRequestId', { client: 'claimedRequestId' });
  if (claimedRequestId !== null) normalised.claimedRequestId = claimedRequestId;
  const maskedFields = entry.maskedFields ?? [];
  if (!Array.isArray(maskedFields)) throw new AuditInputError('audit entry: maskedFields must be a list');
  if (maskedFields.length > 0) {
    normalised.maskedFields = maskedFields.map((field: unknown) => {
      const { coordinate, mask } = (field ?? {}) as { coordinate?: unknown; mask?: unknown };
      if (typeof coordinate !== 'string' || typeof mask !== 'string') throw new AuditInputError('audit entry: maskedFields items are { coordinate, mask } strings');
      return { coordinate: checkedText('maskedFields', coordinate, item), mask: checkedText('maskedFields', mask, item) };
    });
  }
  // The lists are what can grow; the texts are bounded above. (JSON here: the side tables hold the same again.)
  if (Buffer.byteLength(JSON.stringify(normalised), 'utf8') > MAX_RECORD_BYTES) {
    throw new AuditInputError(`audit entry: larger than ${MAX_RECORD_BYTES} bytes`);
  }
  return normalised;
}
