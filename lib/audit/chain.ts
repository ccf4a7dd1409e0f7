import { createHash } from 'node:crypto';
import type { AuditRecord } from './types';

/**
 * The hash chain. Each record's `hash` is sha256 (hex) over the canonical JSON of the record
 * without `hash` — so over `previousHash` (its predecessor's hash) and `sequence` too. The first
 * record's predecessor is GENESIS_HASH.
 *
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, strings and numbers as
 * ECMAScript JSON.stringify writes them (the serialisation of RFC 8785 / JCS for the values a
 * record holds: strings, integers, booleans, null, arrays, objects). Arrays keep their order.
 */
export const GENESIS_HASH = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no place for a non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
      const object = value as Record<string, unknown>;
      const keys = Object.keys(object)
        .filter((key) => object[key] !== undefined)
        .sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no place for a ${typeof value}`);
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The keys of a record but `hash`, in canonical (sorted) order. */
const RECORD_KEYS = [
  'bulkApprovalId', 'caseReference', 'claimedRequestId', 'clientName', 'clientVersion', 'decision', 'deniedFields',
  'department', 'detail', 'errorCodes', 'grantedFields', 'kind', 'maskedFields', 'mfa', 'occurredAt', 'operationHash', 'operationName',
  'personIds', 'previousHash', 'purpose', 'recordedAt', 'requestId', 'roles', 'ruleVersion', 'sequence', 'subject', 'usage',
] as const;
/**
 * Members added after the first records were written (migration 002): absent from a record that
 * does not carry them, so records written before they existed hash exactly as they did.
 */
const OPTIONAL_KEYS: ReadonlySet<string> = new Set(['bulkApprovalId', 'claimedRequestId', 'usage', 'maskedFields']);
const RECORD_KEY_SET = new Set<string>([...RECORD_KEYS, 'hash']);
const KEY_JSON = RECORD_KEYS.map((key) => `${JSON.stringify(key)}:`);

function isStringList(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/**
 * canonicalJson of a record without `hash`, written straight for the record's known shape (verify
 * hashes a million of them); anything of another shape goes through canonicalJson itself.
 */
export function canonicalRecordJson(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  const object = record as unknown as Record<string, unknown>;
  for (const key in object) if (!RECORD_KEY_SET.has(key)) return canonicalJson(withoutHash(object));
  let out = '';
  for (let i = 0; i < RECORD_KEYS.length; i++) {
    const key = RECORD_KEYS[i];
    const value = object[key];
    let json: string;
    if (value === undefined) {
      if (OPTIONAL_KEYS.has(key)) continue;
      return canonicalJson(withoutHash(object));
    }
    if (value === null || typeof value === 'string' || typeof value === 'boolean') json = JSON.stringify(value);
    else if (key === 'deniedFields' && Array.isArray(value)) {
      const items: string[] = [];
      for (const item of value as unknown[]) {
        const field = item as Record<string, unknown>;
        if (field === null || typeof field !== 'object' || Object.keys(field).length !== 2 || typeof field.coordinate !== 'string' || typeof field.policy !== 'string') {
          return canonicalJson(withoutHash(object));
        }
        items.push(`{"coordinate":${JSON.stringify(field.coordinate)},"policy":${JSON.stringify(field.policy)}}`);
      }
      json = `[${items.join(',')}]`;
    } else if (isStringList(value)) json = JSON.stringify(value);
    else json = canonicalJson(value);
    out += (out === '' ? '{' : ',') + KEY_JSON[i] + json;
  }
  return out === '' ? '{}' : `${out}}`;
}

function withoutHash(object: Record<string, unknown>): Record<string, unknown> {
  const { hash: _ignored, ...rest } = object;
  return rest;
}

/** The hash a record must carry: over everything but `hash` itself. */
export function recordHash(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  return sha256Hex(canonicalRecordJson(record));
}
