/**
 * The audit contract (監査証跡): what every access to person data leaves behind. Written by the
 * gateway before the response leaves (gateway/audit/), stored append-only and hash-chained
 * (lib/audit/store.ts), read by security officers through the graph and the report scripts.
 */

export type AuditDecision = 'GRANTED' | 'PARTIAL' | 'DENIED' | 'FAILED' | 'REFUSED';
// GRANTED: every requested field allowed; PARTIAL: some refused; DENIED: every classified field
// refused; FAILED: the operation errored (subgraph down, bad input); REFUSED: refused before
// execution (401/400/403: bad token, revoked, unregistered purpose, missing case reference).

/** The steps of a rule change through two officers (lib/rule-versions/, issue 12). */
export const RULE_CHANGE_KINDS = [
  'RULE_PROPOSED',
  'RULE_APPROVED',
  'RULE_REJECTED',
  'RULE_APPLIED',
  'RULE_WITHDRAWN',
  'RULE_REVOKED',
  'RULE_REVOCATION_CONFIRMED',
  'RULE_SHADOW',
] as const;
export type RuleChangeKind = (typeof RULE_CHANGE_KINDS)[number];

/** What a record is about: an operation (a request for data, with its access decision) or an event of the trail. */
export type AuditEventKind =
  | 'OPERATION'
  | 'PERSONS_ATTRIBUTED'
  | 'RULES_RELOADED'
  | 'RULES_REJECTED'
  | 'BULK_APPROVAL_ISSUED'
  | 'BULK_APPROVAL_WITHDRAWN'
  | 'TRUSTED_DOCUMENT_DECIDED'
  | RuleChangeKind;

/** The records that are not operations: person attributions, policy reloads and refusals, bulk-output approvals, trusted-document decisions, rule changes. */
export type AuditTrailEvent = Exclude<AuditEventKind, 'OPERATION'>;

/**
 * The `decision` an event record carries. An event is not an access decision, but every record
 * has carried a decision since the first one (the column is NOT NULL, the record hash covers it,
 * the graph's `AuditRecord.decision` is non-null), so for chain compatibility the stored value
 * stays: GRANTED for an event that took effect, REFUSED for a policy folder that was refused. It
 * is mapped here and only here; writers name the event (eventDecision), the store checks it.
 */
export const EVENT_DECISIONS = {
  // The persons an OPERATION record named by reference, resolved to 宛名番号 after its response (lib/audit/person-references.ts).
  PERSONS_ATTRIBUTED: 'GRANTED',
  RULES_RELOADED: 'GRANTED',
  RULES_REJECTED: 'REFUSED',
  BULK_APPROVAL_ISSUED: 'GRANTED',
  BULK_APPROVAL_WITHDRAWN: 'GRANTED',
  TRUSTED_DOCUMENT_DECIDED: 'GRANTED',
  // Each step of a rule change is recorded as it takes effect (a refusal is an error, not a record).
  RULE_PROPOSED: 'GRANTED',
  RULE_APPROVED: 'GRANTED',
  RULE_REJECTED: 'GRANTED',
  RULE_APPLIED: 'GRANTED',
  RULE_WITHDRAWN: 'GRANTED',
  RULE_REVOKED: 'GRANTED',
  RULE_REVOCATION_CONFIRMED: 'GRANTED',
  RULE_SHADOW: 'GRANTED',
} as const satisfies Record<AuditTrailEvent, AuditDecision>;

/** The stored decision of an event record (see EVENT_DECISIONS). */
export function eventDecision<K extends AuditTrailEvent>(kind: K): (typeof EVENT_DECISIONS)[K] {
  return EVENT_DECISIONS[kind];
}

/** One audit record as the gateway submits it (the store adds sequence, hashes and time). */
export interface AuditEntryInput {
  kind: AuditEventKind;
  /** When the request was received (ISO 8601 with offset). */
  occurredAt: string;
  /** The request id the gateway generated (returned to the client as X-Request-Id): established. */
  requestId: string;
  /** Who: token subject; null when the token was not valid. */
  subject: string | null;
  department: string | null;
  roles: string[];
  /** 事務 declared for the request. */
  purpose: string | null;
  mfa: boolean | null;
  // What the client CLAIMS (as sent, within the limits of lib/audit/limits.ts; nothing verifies it):
  // its name and version, the case it says the access is for, the operation's name, its own
  // request id. The gateway establishes the members above (identity from the signed token, the
  // request id, the time) and below (operation hash, decision, fields, persons, rules).
  /** apollographql-client-name / version or X-Client-Name (claimed). */
  clientName: string | null;
  clientVersion: string | null;
  /** X-Case-Id: the application or notification number the access is for (claimed). */
  caseReference: string | null;
  /** The operation's name as the client gave it (claimed; operationHash identifies the text). */
  operationName: string | null;
  /** sha256 of the operation text as received. */
  operationHash: string | null;
  decision: AuditDecision;
  /** Field coordinates (Type.field) returned / refused, with the refusing policy. */
  grantedFields: string[];
  deniedFields: { coordinate: string; policy: string }[];
  /** 宛名番号 of every person whose classified fields were returned. */
  personIds: string[];
  /** Version of the rules in force (policy/ sha256). */
  ruleVersion: string | null;
  /** Error codes of the response (UNAUTHORIZED_FIELD_OR_TYPE, SUPPORT_MEASURE_RESTRICTED, …). */
  errorCodes: string[];
  /** Free text for rule events (why rules were rejected), never person data. */
  detail: string | null;
  /**
   * What the operation was estimated to cost and what it returned (demand control). Optional in
   * the contract so that writers that do not measure (refusals before parsing, rule events) omit it.
   */
  usage?: AuditUsage | null;
  /** The bulk-output approval (X-Bulk-Approval, 端末機管理責任者の承認) the request relied on, if any. */
  bulkApprovalId?: string | null;
  /** X-Request-Id as the client (or its proxy) sent it (claimed); absent when none was sent. */
  claimedRequestId?: string | null;
  /**
   * Granted coordinates that were returned MASKED (a `mask:` grant, policies.yaml), with the mask:
   * the record says the caller saw `********5148`, not the number. Absent when nothing was masked.
   */
  maskedFields?: MaskedField[] | null;
}

/** A coordinate granted masked, and the mask (policies.yaml `masks`) it was shown with. */
export interface MaskedField {
  coordinate: string;
  mask: string;
}

/** Demand-control figures of one operation (all counts, never person data). */
export interface AuditUsage {
  /** The cost estimated before planning (@cost/@listSize), or null when not estimated. */
  estimatedCost: number | null;
  /** The budget of the caller's profile it was checked against, or null. */
  costBudget: number | null;
  /** Objects returned in lists and single fields of the answer (the actual cost). */
  rowsReturned: number | null;
  /** Distinct persons (宛名番号) the answer carried. */
  personsReturned: number | null;
}

/** A stored record: the input plus its place in the chain. */
export interface AuditRecord extends AuditEntryInput {
  sequence: number;
  recordedAt: string;
  previousHash: string;
  hash: string;
}

export const AUDIT_UNAVAILABLE_CODE = 'AUDIT_UNAVAILABLE';
