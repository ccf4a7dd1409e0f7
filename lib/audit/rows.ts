/**
 * Row mapping: an AuditRecord ↔ its AUDIT_LOG row, and the AUDIT_PERSON / AUDIT_FIELD rows it
 * implies (the verify walk compares the stored side rows with these).
 */
import type { AuditDecision, AuditEventKind, AuditRecord, AuditUsage, MaskedField } from './types';

export const LOG_COLUMNS = [
  'sequence', 'kind', 'occurred_at', 'recorded_at', 'request_id', 'subject', 'department', 'roles', 'purpose', 'mfa',
  'client_name', 'client_version', 'case_reference', 'operation_name', 'operation_hash', 'decision', 'granted_fields',
  'denied_fields', 'person_ids', 'rule_version', 'error_codes', 'detail', 'previous_hash', 'hash',
  // Migration 002: NULL in records written before it (their hash never covered them).
  'claimed_request_id', 'bulk_approval_id', 'usage_estimated_cost', 'usage_cost_budget', 'usage_rows_returned', 'usage_persons_returned',
  // Migration 003: NULL unless something was returned masked.
  'masked_fields',
] as const;

export type LogRow = Record<(typeof LOG_COLUMNS)[number], unknown> & { occurred_ms?: number };

export function recordToRow(record: AuditRecord): LogRow {
  return {
    sequence: record.sequence,
    kind: record.kind,
    occurred_at: record.occurredAt,
    occurred_ms: Date.parse(record.occurredAt),
    recorded_at: record.recordedAt,
    request_id: record.requestId,
    subject: record.subject,
    department: record.department,
    roles: JSON.stringify(record.roles),
    purpose: record.purpose,
    mfa: record.mfa,
    client_name: record.clientName,
    client_version: record.clientVersion,
    case_reference: record.caseReference,
    operation_name: record.operationName,
    operation_hash: record.operationHash,
    decision: record.decision,
    granted_fields: JSON.stringify(record.grantedFields),
    denied_fields: JSON.stringify(record.deniedFields),
    person_ids: JSON.stringify(record.personIds),
    rule_version: record.ruleVersion,
    error_codes: JSON.stringify(record.errorCodes),
    detail: record.detail,
    previous_hash: record.previousHash,
    hash: record.hash,
    claimed_request_id: record.claimedRequestId ?? null,
    bulk_approval_id: record.bulkApprovalId ?? null,
    usage_estimated_cost: record.usage?.estimatedCost ?? null,
    usage_cost_budget: record.usage?.costBudget ?? null,
    usage_rows_returned: record.usage?.rowsReturned ?? null,
    usage_persons_returned: record.usage?.personsReturned ?? null,
    masked_fields: record.maskedFields && record.maskedFields.length > 0 ? JSON.stringify(record.maskedFields) : null,
  };
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function list<T>(value: unknown): T[] {
  const parsed = JSON.parse(String(value));
  if (!Array.isArray(parsed)) throw new Error('not a list');
  return parsed as T[];
}

function figure(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function rowToRecord(row: LogRow): AuditRecord {
  const mfa = row.mfa;
  const record: AuditRecord = {
    kind: String(row.kind) as AuditEventKind,
    occurredAt: String(row.occurred_at),
    requestId: String(row.request_id),
    subject: text(row.subject),
    department: text(row.department),
    roles: list<string>(row.roles),
    purpose: text(row.purpose),
    mfa: mfa === null || mfa === undefined ? null : mfa === true || mfa === 1 || mfa === '1',
    clientName: text(row.client_name),
    clientVersion: text(row.client_version),
    caseReference: text(row.case_reference),
    operationName: text(row.operation_name),
    operationHash: text(row.operation_hash),
    decision: String(row.decision) as AuditDecision,
    grantedFields: list<string>(row.granted_fields),
    deniedFields: list<{ coordinate: string; policy: string }>(row.denied_fields),
    personIds: list<string>(row.person_ids),
    ruleVersion: text(row.rule_version),
    errorCodes: list<string>(row.error_codes),
    detail: text(row.detail),
    sequence: Number(row.sequence),
    recordedAt: String(row.recorded_at),
    previousHash: String(row.previous_hash),
    hash: String(row.hash),
  };
  // The members of migration 002 only when stored: a record written before them hashes without them.
  const usage: AuditUsage = {
    estimatedCost: figure(row.usage_estimated_cost),
    costBudget: figure(row.usage_cost_budget),
    rowsReturned: figure(row.usage_rows_returned),
    personsReturned: figure(row.usage_persons_returned),
  };
  if (Object.values(usage).some((value) => value !== null)) record.usage = usage;
  if (row.bulk_approval_id !== null && row.bulk_approval_id !== undefined) record.bulkApprovalId = String(row.bulk_approval_id);
  if (row.claimed_request_id !== null && row.claimed_request_id !== undefined) record.claimedRequestId = String(row.claimed_request_id);
  if (row.masked_fields !== null && row.masked_fields !== undefined) record.maskedFields = list<MaskedField>(row.masked_fields);
  return record;
}

/** AUDIT_PERSON and AUDIT_FIELD rows of a record (each person / coordinate once). */
export function sideRows(record: AuditRecord): { persons: Record<string, unknown>[]; fields: Record<string, unknown>[] } {
  const persons = [...new Set(record.personIds)].map((personId) => ({ sequence: record.sequence, person_id: personId }));
  const seen = new Set<string>();
  const fields: Record<string, unknown>[] = [];
  for (const coordinate of record.grantedFields) {
    if (seen.has(`+${coordinate}`)) continue;
    seen.add(`+${coordinate}`);
    fields.push({ sequence: record.sequence, coordinate, granted: true, policy: null });
  }
  for (const { coordinate, policy } of record.deniedFields) {
    const key = `-${coordinate}\u0000${policy}`;
    if (seen.has(key)) continue;
    seen.add(key);
    fields.push({ sequence: record.sequence, coordinate, granted: false, policy });
  }
  return { persons, fields };
}

export function personKey(row: Record<string, unknown>): string {
  return String(row.person_id);
}

/**
 * What a stored value must be to count as the text it reads as: a string. SQLite also holds a
 * BLOB of the same bytes, which `String()` cannot tell apart but which no lookup's `=` matches —
 * a row changed so would hide its records from by-person and by-field lookups while looking
 * intact. NUL is refused in every entry, so no honest key contains this mark.
 */
const NOT_TEXT = '\u0000not text';

function storedText(value: unknown): string {
  return typeof value === 'string' ? value : NOT_TEXT;
}

/** personKey of a row as stored (verify): a person id that is not text matches nothing. */
export function strictPersonKey(row: Record<string, unknown>): string {
  return storedText(row.person_id);
}

/** fieldKey of a row as stored (verify, and a field set found by an append): values of another type match nothing. */
export function strictFieldKey(row: Record<string, unknown>): string {
  const granted = row.granted === true || row.granted === 1 ? true : row.granted === false || row.granted === 0 ? false : NOT_TEXT;
  return JSON.stringify([granted, storedText(row.coordinate), row.policy === null || row.policy === undefined ? null : storedText(row.policy)]);
}

/** granted (1/0, true/false by dialect), coordinate and policy of a field row, as one comparable text. */
export function fieldKey(row: Record<string, unknown>): string {
  const granted = row.granted === true || row.granted === 1 || row.granted === '1';
  return JSON.stringify([granted, String(row.coordinate), row.policy === null || row.policy === undefined ? null : String(row.policy)]);
}
