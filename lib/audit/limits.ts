/**
 * What may reach the audit trail (監査証跡), and how big a record may be. One place for the limits:
 * the gateway refuses client texts outside them (HTTP 400 INVALID_CLIENT_TEXT, gateway/audit/
 * client-text.ts) and the store refuses entries outside them (AuditInputError, lib/audit/store.ts),
 * so nothing another writer submits can bloat the trail or break its hashes.
 *
 * Why "well-formed, no controls": the hash is over the canonical JSON of the record's JS strings,
 * while the database stores UTF-8. A lone UTF-16 surrogate has no UTF-8 form (the drivers store
 * U+FFFD's or CESU bytes ED A0 80), so the stored record no longer hashes as written and verify
 * reports a tamper that never happened. PostgreSQL refuses U+0000 in text outright (which failed
 * every entry of the same group commit). Other controls (line breaks, escapes, bidi overrides)
 * let a client forge what an officer reads in a report ("…\nGRANTED by chief").
 */

/** Longest text, in UTF-16 code units, of each client-supplied member (what the client claims). */
export const CLIENT_TEXT_LIMITS = {
  /** GraphQL operation name (the body's `operationName`, or the name in the document). */
  operationName: 128,
  /** apollographql-client-name / X-Client-Name. */
  clientName: 64,
  /** apollographql-client-version / X-Client-Version. */
  clientVersion: 32,
  /** X-Case-Id (案件番号). */
  caseReference: 64,
  /** X-Request-Id as the client (or its proxy) sent it. */
  claimedRequestId: 128,
  /** X-Bulk-Approval: the id of a bulk-output approval. */
  bulkApprovalId: 128,
} as const;

export type ClientTextMember = keyof typeof CLIENT_TEXT_LIMITS;

/** Longest text of the members the gateway or the identity provider fills (a backstop in the store). */
export const ESTABLISHED_TEXT_LIMITS = {
  requestId: 128,
  subject: 256,
  department: 256,
  purpose: 64,
  operationHash: 64,
  ruleVersion: 128,
  detail: 4096,
  /** Each role, field coordinate, policy, error code. */
  listItem: 256,
  /** Each 宛名番号 (AUDIT_PERSON.person_id is 32 characters). */
  personId: 32,
} as const;

/**
 * The largest record the store accepts: UTF-8 bytes of its JSON (the person and field lists make
 * up nearly all of it; 1 MiB holds about 60,000 宛名番号). Anything larger is refused before the
 * transaction (that request fails closed; others in its group commit are not affected).
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * C0 and C1 controls, DEL, and the bidirectional overrides and isolates (they reorder what a
 * reader sees: "Trojan source"). Tab, line feed and carriage return are controls too.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** With the `u` flag a surrogate range matches only surrogates that are not part of a pair. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const LONE_SURROGATES = /[\ud800-\udfff]/gu;

/** String.prototype.isWellFormed (ES2024; the project's lib is ES2022). */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

export type TextProblem = 'too_long' | 'not_well_formed' | 'control_character';

/** Why a client text may not be recorded as it is, or null when it may. */
export function clientTextProblem(value: string, limit: number): TextProblem | null {
  if (!isWellFormed(value)) return 'not_well_formed';
  if (CONTROL.test(value)) return 'control_character';
  if (value.length > limit) return 'too_long';
  return null;
}

/**
 * What is recorded of a refused client text: lone surrogates and controls replaced by U+FFFD,
 * then cut to the limit (never inside a surrogate pair). Always passes clientTextProblem.
 */
export function cutClientText(value: string, limit: number): string {
  // Cut first (bounded work on a 1 MB value), then repair what the cut and the client left.
  let cut = value.length > limit ? value.slice(0, limit) : value;
  cut = cut.replace(LONE_SURROGATES, '\ufffd').replace(CONTROLS, '\ufffd');
  return cut;
}

/**
 * Text the store may hold in any member: well-formed (so its UTF-8 form is exact) and without
 * U+0000 (PostgreSQL has no place for it). `detail` and the rule messages may carry line breaks;
 * the client's members are held to clientTextProblem at the gateway and again in the store.
 */
export function storableTextProblem(value: string, limit: number): TextProblem | null {
  if (!isWellFormed(value)) return 'not_well_formed';
  if (value.includes('\u0000')) return 'control_character';
  if (value.length > limit) return 'too_long';
  return null;
}
