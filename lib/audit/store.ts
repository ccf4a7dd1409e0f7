import knexFactory, { type Knex } from 'knex';
import { GENESIS_HASH, recordHash } from './chain';
import { beginImmediate, openSqliteWriter } from '../sqlite-writer';
import { auditDatabaseConfig, auditDialectOf } from './config';
import { CLIENT_TEXT_LIMITS, ESTABLISHED_TEXT_LIMITS, MAX_RECORD_BYTES, clientTextProblem, storableTextProblem, type ClientTextMember } from './limits';
import { AUDIT_TABLES, ensureAppendOnlyTriggers, migrateAuditToLatest, type AuditDialect } from './migrations';
import { AUDIT_UNAVAILABLE_CODE, type AuditDecision, type AuditEntryInput, type AuditEventKind, type AuditRecord, type AuditUsage, type MaskedField } from './types';

/**
 * The audit store (監査証跡): append-only, hash-chained, in a real database through knex —
 * SQLite by default (data/audit.sqlite), PostgreSQL in production (see config.ts).
 *
 * Appends are serialised twice: inside the process by a queue that also groups whatever piled up
 * while the previous transaction ran into one transaction (group commit), and inside the database
 * by a lock on the chain head (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT … FOR UPDATE on
 * AUDIT_CHAIN_HEAD), so several gateway processes sharing one PostgreSQL store still make one
 * chain. A call's records are stored in one transaction, in order, or not at all (then it throws).
 */

export interface AuditFilter {
  subject?: string;
  department?: string;
  /** 宛名番号: records naming this person (AUDIT_PERSON). */
  personId?: string;
  /** Field coordinate (Type.field), granted or refused (AUDIT_FIELD). */
  field?: string;
  decision?: AuditDecision | AuditDecision[];
  /** occurredAt >= from (ISO 8601). */
  from?: string;
  /** occurredAt < to (ISO 8601; exclusive, so a period is [from, to)). */
  to?: string;
  kind?: AuditEventKind;
}

export interface AuditPageRequest {
  /** Page size, 1 … MAX_PAGE_SIZE. */
  first: number;
  /** endCursor of the previous page. */
  after?: string | null;
  /** 'asc' (oldest first, default) or 'desc' (newest first). */
  order?: 'asc' | 'desc';
}

export interface AuditPage {
  records: AuditRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export type AuditBreakReason =
  | 'HASH_MISMATCH'
  | 'CHAIN_BROKEN'
  | 'SEQUENCE_GAP'
  | 'SEQUENCE_ORDER'
  /** AUDIT_PERSON rows of the record differ from its personIds (a row added, removed or altered). */
  | 'PERSON_ROWS'
  /** AUDIT_FIELD rows of the record differ from its granted and denied fields. */
  | 'FIELD_ROWS'
  /** The record an anchor names is missing or carries another hash (the chain was cut or rewritten). */
  | 'ANCHOR_MISMATCH';

export interface AuditBreak {
  sequence: number;
  reason: AuditBreakReason;
}

/**
 * `records`: records verified intact before the first break. A broken chain is walked to its end:
 * `broken` lists the breaks in sequence order (at most `maxListed`), `brokenCount` counts them all.
 */
export type AuditVerifyResult =
  | { ok: true; records: number }
  | { ok: false; records: number; firstBroken: AuditBreak; broken: AuditBreak[]; brokenCount: number };

/** The chain's head as an officer keeps it outside the database (npm run audit:anchor). */
export interface AuditAnchor {
  sequence: number;
  hash: string;
  /** When the head record was written. */
  recordedAt: string;
}

export interface AuditVerifyOptions {
  /** Called after each chunk: records verified so far, of the chain's length when verify began. */
  onProgress?(progress: { verified: number; total: number }): void;
  /** Records read per query (default 10,000). */
  chunkSize?: number;
  /** Breaks listed at most (default 100); all are counted. */
  maxListed?: number;
  /** A head exported earlier: the chain must still hold that record with that hash. */
  anchor?: { sequence: number; hash: string };
}

export interface AuditStore {
  readonly dialect: AuditDialect;
  /** Append-only triggers that were missing when the store opened, and were put back. */
  readonly repairedTriggers: string[];
  append(entries: AuditEntryInput[]): Promise<AuditRecord[]>;
  query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage>;
  verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** The chain head (AUDIT_CHAIN_HEAD): the last sequence and hash; sequence 0 for an empty trail. */
  head(): Promise<AuditAnchor>;
  /** True when the store can take an append now (reachable, and writable). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenAuditStoreOptions {
  /** A knex configuration; default: from the environment (AUDIT_DB_*, config.ts). */
  config?: Knex.Config;
  env?: NodeJS.ProcessEnv;
}

export const MAX_PAGE_SIZE = 1000;
/** Most entries one transaction takes when appends pile up. */
const MAX_GROUP_ENTRIES = 2000;
const INSERT_CHUNK = 400;

export class AuditInputError extends Error {
  readonly code = 'AUDIT_INPUT';
}

/**
 * Errors that belong to the entries written, not to the store: a refused entry (AuditInputError)
 * or a database refusing a value (PostgreSQL SQLSTATE classes 22 data exception, 23 integrity, 54
 * program limit; SQLite TOOBIG, CONSTRAINT, MISMATCH). A group commit failing with one is retried
 * entry by entry (one bad entry never fails another's); any other failure (unreachable, read-only,
 * timeout) fails the group as it is: retrying would only wait again.
 */
export function isEntryError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (code === 'AUDIT_INPUT') return true;
  const reason = error instanceof AuditUnavailableError ? error.reason : typeof code === 'string' ? code : null;
  if (reason === null) return false;
  return /^(22|23|54)[0-9A-Z]{3}$/.test(reason) || /^SQLITE_(TOOBIG|CONSTRAINT|MISMATCH)/.test(reason);
}

/**
 * The store could not write (or read): unreachable, read-only, locked, closed. Its message never
 * carries the SQL or its values (knex puts them in driver errors' messages; they hold 宛名番号).
 */
export class AuditUnavailableError extends Error {
  readonly code = AUDIT_UNAVAILABLE_CODE;
  /** The driver's code when there is one (SQLITE_READONLY, ECONNREFUSED, 25006, …). */
  readonly reason: string | null;
  constructor(message: string, reason: string | null = null) {
    super(message);
    this.name = 'AuditUnavailableError';
    this.reason = reason;
  }
}

/** A driver error as an AuditUnavailableError, without the statement knex prefixed to it. */
export function unavailable(error: unknown, doing: string): AuditUnavailableError {
  if (error instanceof AuditUnavailableError) return error;
  const raw = String((error as { message?: unknown })?.message ?? error);
  const separator = raw.lastIndexOf(' - ');
  const message = separator >= 0 ? raw.slice(separator + 3) : raw;
  const code = (error as { code?: unknown })?.code;
  return new AuditUnavailableError(`audit store: ${doing} failed: ${message}`, typeof code === 'string' ? code : null);
}

const KINDS: readonly AuditEventKind[] = ['OPERATION', 'RULES_RELOADED', 'RULES_REJECTED', 'BULK_APPROVAL_ISSUED', 'BULK_APPROVAL_WITHDRAWN'];
const DECISIONS: readonly AuditDecision[] = ['GRANTED', 'PARTIAL', 'DENIED', 'FAILED', 'REFUSED'];

const LOG_COLUMNS = [
  'sequence', 'kind', 'occurred_at', 'recorded_at', 'request_id', 'subject', 'department', 'roles', 'purpose', 'mfa',
  'client_name', 'client_version', 'case_reference', 'operation_name', 'operation_hash', 'decision', 'granted_fields',
  'denied_fields', 'person_ids', 'rule_version', 'error_codes', 'detail', 'previous_hash', 'hash',
  // Migration 002: NULL in records written before it (their hash never covered them).
  'claimed_request_id', 'bulk_approval_id', 'usage_estimated_cost', 'usage_cost_budget', 'usage_rows_returned', 'usage_persons_returned',
  // Migration 003: NULL unless something was returned masked.
  'masked_fields',
] as const;

type LogRow = Record<(typeof LOG_COLUMNS)[number], unknown> & { occurred_ms?: number };

// ---------------------------------------------------------------------------------------------
// Entries → records → rows, and back

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
 * transaction. The optional members (usage, bulkApprovalId, claimedRequestId) are left out when
 * null, as records written before they existed have none.
 */
export function normaliseEntry(input: AuditEntryInput): AuditEntryInput {
  if (!input || typeof input !== 'object') throw new AuditInputError('audit entry must be an object');
  const entry = input as unknown as Record<string, unknown>;
  const kind = entry.kind as AuditEventKind;
  if (!KINDS.includes(kind)) throw new AuditInputError(`audit entry: unknown kind ${String(kind).slice(0, 32)}`);
  const decision = entry.decision as AuditDecision;
  if (!DECISIONS.includes(decision)) throw new AuditInputError(`audit entry: unknown decision ${String(decision).slice(0, 32)}`);
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
function sideRows(record: AuditRecord): { persons: Record<string, unknown>[]; fields: Record<string, unknown>[] } {
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

// ---------------------------------------------------------------------------------------------
// The chain-head lock

interface Head {
  sequence: number;
  hash: string;
  recordedAt: string;
}

/** Queries inside one locked write transaction. */
interface WriteTx {
  table(name: string): Knex.QueryBuilder;
  /** Inserts rows (all with the same keys, in the same order) into a record table. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  setHead(head: Head): Promise<void>;
}

/** The better-sqlite3 connection knex hands out (only what the store uses of it). */
interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
}

interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
}

/**
 * SQLite's append path without knex's query builder: the same statements, prepared once per
 * connection and bound per row. Building, compiling and preparing each INSERT through knex was
 * most of an append's CPU (about 1 ms, on the thread that also serves reads); a prepared
 * single-row INSERT inside the transaction costs microseconds.
 */
class SqliteStatements {
  private readonly prepared = new Map<string, SqliteStatement>();

  constructor(private readonly connection: SqliteConnection) {}

  statement(sql: string): SqliteStatement {
    let statement = this.prepared.get(sql);
    if (!statement) this.prepared.set(sql, (statement = this.connection.prepare(sql)));
    return statement;
  }

  head(): Head {
    return headOf(this.statement(`SELECT sequence, hash, recorded_at FROM ${AUDIT_TABLES.head} WHERE id = 1`).get() as Parameters<typeof headOf>[0]);
  }

  insert(table: string, rows: readonly Record<string, unknown>[]): void {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]);
    const insert = this.statement(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    // better-sqlite3 binds no booleans (knex turns them into 1/0 for it, as here).
    for (const row of rows) insert.run(...columns.map((column) => sqliteValue(row[column])));
  }

  setHead(head: Head): void {
    this.statement(`UPDATE ${AUDIT_TABLES.head} SET sequence = ?, hash = ?, recorded_at = ? WHERE id = 1`).run(head.sequence, head.hash, head.recordedAt);
  }
}

function sqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** Prepared statements per SQLite connection (a connection lives as long as the store's pool keeps it). */
const sqliteStatements = new WeakMap<object, SqliteStatements>();

function headOf(row: { sequence: unknown; hash: unknown; recorded_at: unknown } | undefined): Head {
  if (!row) throw new Error('the audit chain head (AUDIT_CHAIN_HEAD) is missing');
  return { sequence: Number(row.sequence), hash: String(row.hash), recordedAt: String(row.recorded_at) };
}

async function insertChunked(trx: Knex.Transaction, table: string, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx(table).insert(rows.slice(i, i + INSERT_CHUNK));
}

class KnexAuditStore implements AuditStore {
  private queue: { entries: AuditEntryInput[]; resolve(records: AuditRecord[]): void; reject(error: unknown): void }[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Knex,
    readonly dialect: AuditDialect,
    readonly repairedTriggers: string[],
  ) {}

  async append(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    const normalised = entries.map(normaliseEntry);
    if (normalised.length === 0) return [];
    return new Promise((resolve, reject) => {
      this.queue.push({ entries: normalised, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Writes what is queued, one transaction per group, until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = [this.queue.shift()!];
        let count = group[0].entries.length;
        while (this.queue.length > 0 && count + this.queue[0].entries.length <= MAX_GROUP_ENTRIES) {
          const next = this.queue.shift()!;
          count += next.entries.length;
          group.push(next);
        }
        try {
          const records = await this.writeOrUnavailable(group.flatMap((request) => request.entries));
          let offset = 0;
          for (const request of group) {
            request.resolve(records.slice(offset, offset + request.entries.length));
            offset += request.entries.length;
          }
        } catch (error) {
          if (group.length === 1 || !isEntryError(error)) {
            for (const request of group) request.reject(error);
            continue;
          }
          // One call's entries were refused by the database: the others must not fail with it.
          // Each call again in its own transaction, in order (a call stays all or nothing).
          for (const request of group) {
            await this.writeOrUnavailable(request.entries).then(request.resolve, request.reject);
          }
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private writeOrUnavailable(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    return this.write(entries).catch((error) => {
      throw unavailable(error, 'append');
    });
  }

  private async write(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    return this.locked(async (tx, head) => {
      const now = new Date().toISOString();
      // recordedAt never goes backwards along the chain, whichever process's clock wrote it.
      const recordedAt = now > head.recordedAt ? now : head.recordedAt;
      let previousHash = head.hash;
      const records = entries.map((entry, index) => {
        const unhashed = { ...entry, sequence: head.sequence + index + 1, recordedAt, previousHash };
        const record: AuditRecord = { ...unhashed, hash: recordHash(unhashed) };
        previousHash = record.hash;
        return record;
      });
      const persons: Record<string, unknown>[] = [];
      const fields: Record<string, unknown>[] = [];
      for (const record of records) {
        const side = sideRows(record);
        persons.push(...side.persons);
        fields.push(...side.fields);
      }
      await tx.insert(AUDIT_TABLES.log, records.map(recordToRow));
      await tx.insert(AUDIT_TABLES.person, persons);
      await tx.insert(AUDIT_TABLES.field, fields);
      const last = records[records.length - 1];
      await tx.setHead({ sequence: last.sequence, hash: last.hash, recordedAt });
      return records;
    });
  }

  /** Runs `work` in a write transaction that holds the chain head. */
  private async locked<T>(work: (tx: WriteTx, head: Head) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgresql') {
      return this.db.transaction(async (trx) => {
        const head = headOf(await trx(AUDIT_TABLES.head).where({ id: 1 }).forUpdate().first());
        return work(
          {
            table: (name) => trx(name),
            insert: (table, rows) => insertChunked(trx, table, rows),
            setHead: async (next) => {
              await trx(AUDIT_TABLES.head).where({ id: 1 }).update({ sequence: next.sequence, hash: next.hash, recorded_at: next.recordedAt });
            },
          },
          head,
        );
      });
    }
    // SQLite: BEGIN IMMEDIATE takes the database's write lock before the head is read, so a second
    // process waits (busy_timeout) instead of reading a head that is about to change.
    const connection = await this.db.client.acquireConnection();
    const on = <Q extends { connection(c: unknown): Q }>(query: Q) => query.connection(connection);
    try {
      const sqlite = connection as SqliteConnection;
      let statements = sqliteStatements.get(sqlite);
      if (!statements) sqliteStatements.set(sqlite, (statements = new SqliteStatements(sqlite)));
      const prepared = statements;
      await beginImmediate(sqlite, async () => prepared.statement('BEGIN IMMEDIATE').run());
      try {
        const tx: WriteTx = {
          table: (name) => on(this.db(name)),
          insert: async (table, rows) => prepared.insert(table, rows),
          setHead: async (next) => prepared.setHead(next),
        };
        const result = await work(tx, prepared.head());
        prepared.statement('COMMIT').run();
        return result;
      } catch (error) {
        await on(this.db.raw('ROLLBACK')).catch(() => undefined);
        throw error;
      }
    } finally {
      await this.db.client.releaseConnection(connection);
    }
  }

  async query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    const query = this.buildQuery(filter, page);
    const rows: LogRow[] = await query.catch((error: unknown) => {
      throw unavailable(error, 'query');
    });
    const first = page.first;
    const records = rows.slice(0, first).map(rowToRecord);
    return {
      records,
      hasNextPage: rows.length > first,
      endCursor: records.length > 0 ? String(records[records.length - 1].sequence) : null,
    };
  }

  private buildQuery(filter: AuditFilter, page: AuditPageRequest): Knex.QueryBuilder {
    const first = page.first;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw new AuditInputError(`first must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    const order = page.order ?? 'asc';
    const query = this.db(AUDIT_TABLES.log).select(LOG_COLUMNS);
    if (filter.subject !== undefined) query.where('subject', filter.subject);
    if (filter.department !== undefined) query.where('department', filter.department);
    if (filter.kind !== undefined) query.where('kind', filter.kind);
    if (filter.decision !== undefined) {
      if (Array.isArray(filter.decision)) query.whereIn('decision', filter.decision);
      else query.where('decision', filter.decision);
    }
    if (filter.from !== undefined) query.where('occurred_ms', '>=', instant(filter.from, 'from'));
    if (filter.to !== undefined) query.where('occurred_ms', '<', instant(filter.to, 'to'));
    if (filter.personId !== undefined) {
      query.whereIn('sequence', this.db(AUDIT_TABLES.person).select('sequence').where('person_id', filter.personId));
    }
    if (filter.field !== undefined) {
      query.whereIn('sequence', this.db(AUDIT_TABLES.field).select('sequence').where('coordinate', filter.field));
    }
    if (page.after !== undefined && page.after !== null) query.where('sequence', order === 'asc' ? '>' : '<', cursorSequence(page.after));
    return query.orderBy('sequence', order).limit(first + 1);
  }

  async verify(options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    try {
      return await this.walk(options);
    } catch (error) {
      throw unavailable(error, 'verify');
    }
  }

  async head(): Promise<AuditAnchor> {
    if (this.closed) throw new AuditUnavailableError('audit store: closed');
    try {
      return headOf(await this.db(AUDIT_TABLES.head).where({ id: 1 }).first());
    } catch (error) {
      throw unavailable(error, 'head');
    }
  }

  /**
   * The whole walk: a break does not stop it (a false alarm at one record must not hide tampering
   * after it). Each record is checked once, for one reason: its hash, its link, its place, and its
   * AUDIT_PERSON / AUDIT_FIELD rows against its lists; then rows beyond the chain, the head, and
   * the anchor.
   */
  private async walk(options: AuditVerifyOptions): Promise<AuditVerifyResult> {
    const chunkSize = options.chunkSize ?? 10_000;
    const breaks = new BreakList(options.maxListed ?? 100);
    const anchor = options.anchor;
    // An anchor of the empty trail (sequence 0) names the genesis hash, which no record carries.
    let anchorSeen = anchor?.sequence === 0;
    if (anchor?.sequence === 0 && anchor.hash !== GENESIS_HASH) breaks.add(0, 'ANCHOR_MISMATCH');
    // The highest stored sequence first, then the head: an honest append moves both in one
    // transaction, so rows above the head read afterwards were never appended through the chain.
    const max = await this.db(AUDIT_TABLES.log).max({ max: 'sequence' }).first();
    const head = headOf(await this.db(AUDIT_TABLES.head).where({ id: 1 }).first());
    const maxStored = max?.max === null || max?.max === undefined ? 0 : Number(max.max);
    let expected = 1;
    let previousHash = GENESIS_HASH;
    /** False right after a gap: the missing record's hash is unknown, so the link cannot be checked. */
    let linkKnown = true;
    let previousRecordedAt = '';
    let relocationChecks = 0;
    let after = 0;
    for (;;) {
      const rows: LogRow[] = await this.db(AUDIT_TABLES.log)
        .select(LOG_COLUMNS)
        .where('sequence', '>', after)
        .andWhere('sequence', '<=', head.sequence)
        .orderBy('sequence')
        .limit(chunkSize);
      if (rows.length === 0) break;
      const last = Number(rows[rows.length - 1].sequence);
      const side = await this.sideRowsBetween(after, last);
      for (const row of rows) {
        const sequence = Number(row.sequence);
        if (sequence > expected) {
          breaks.addRange(expected, sequence - 1, 'SEQUENCE_GAP');
          // A missing record is one break: its leftover person and field rows are not another.
          for (const map of [side.persons, side.fields]) for (const key of map.keys()) if (key >= expected && key < sequence) map.delete(key);
          linkKnown = false;
          expected = sequence;
        }
        let record: AuditRecord;
        try {
          record = rowToRecord(row);
        } catch {
          breaks.add(sequence, 'HASH_MISMATCH');
          previousHash = String(row.hash);
          linkKnown = true;
          expected = sequence + 1;
          continue;
        }
        let moved = false;
        if (recordHash(record) !== record.hash) {
          // Looking for a record's true place costs up to 200,000 hashes: for the first few only,
          // so a trail with many changed records is still walked in bounded time.
          moved = relocationChecks++ < MAX_RELOCATION_CHECKS && belongsElsewhere(record, head.sequence);
          breaks.add(sequence, moved ? 'SEQUENCE_ORDER' : 'HASH_MISMATCH');
        } else if (linkKnown && record.previousHash !== previousHash) breaks.add(sequence, 'CHAIN_BROKEN');
        else if (record.recordedAt < previousRecordedAt) breaks.add(sequence, 'SEQUENCE_ORDER');
        else if (sequence === head.sequence && record.hash !== head.hash) breaks.add(sequence, 'CHAIN_BROKEN');
        else {
          const expectedSide = sideRows(record);
          if (!sameRows(expectedSide.persons.map(personKey), side.persons.get(sequence))) breaks.add(sequence, 'PERSON_ROWS');
          else if (!sameRows(expectedSide.fields.map(fieldKey), side.fields.get(sequence))) breaks.add(sequence, 'FIELD_ROWS');
        }
        side.persons.delete(sequence);
        side.fields.delete(sequence);
        if (anchor && sequence === anchor.sequence) {
          anchorSeen = true;
          if (record.hash !== anchor.hash) breaks.add(sequence, 'ANCHOR_MISMATCH');
        }
        if (breaks.count === 0) breaks.intact = sequence;
        previousHash = record.hash;
        // A record moved here carries another place's hash: the next link is not checkable against it.
        linkKnown = !moved;
        if (record.recordedAt > previousRecordedAt) previousRecordedAt = record.recordedAt;
        expected = sequence + 1;
      }
      // Person or field rows of a sequence that has no record (deleted, or never written).
      for (const sequence of side.persons.keys()) breaks.add(sequence, 'PERSON_ROWS');
      for (const sequence of side.fields.keys()) breaks.add(sequence, 'FIELD_ROWS');
      after = last;
      options.onProgress?.({ verified: expected - 1, total: head.sequence });
    }
    if (expected <= head.sequence) breaks.addRange(expected, head.sequence, 'SEQUENCE_GAP');
    if (maxStored > head.sequence) breaks.add(head.sequence + 1, 'CHAIN_BROKEN');
    for (const sequence of await this.sideSequencesOutside(head.sequence)) breaks.add(sequence.sequence, sequence.reason);
    if (anchor && !anchorSeen) breaks.add(anchor.sequence, 'ANCHOR_MISMATCH');
    return breaks.result(head.sequence);
  }

  /** AUDIT_PERSON and AUDIT_FIELD rows of the sequences (from, to], as comparable keys per sequence. */
  private async sideRowsBetween(from: number, to: number): Promise<{ persons: Map<number, string[]>; fields: Map<number, string[]> }> {
    const persons = new Map<number, string[]>();
    const fields = new Map<number, string[]>();
    const personRows: { sequence: unknown; person_id: unknown }[] = await this.db(AUDIT_TABLES.person).select('sequence', 'person_id').where('sequence', '>', from).andWhere('sequence', '<=', to);
    for (const row of personRows) push(persons, Number(row.sequence), personKey({ person_id: row.person_id }));
    const fieldRows: { sequence: unknown; coordinate: unknown; granted: unknown; policy: unknown }[] = await this.db(AUDIT_TABLES.field)
      .select('sequence', 'coordinate', 'granted', 'policy')
      .where('sequence', '>', from)
      .andWhere('sequence', '<=', to);
    for (const row of fieldRows) push(fields, Number(row.sequence), fieldKey(row));
    return { persons, fields };
  }

  /** Sequences beyond the head (or below 1) that have person or field rows: added outside the chain. */
  private async sideSequencesOutside(end: number): Promise<AuditBreak[]> {
    const found: AuditBreak[] = [];
    for (const [table, reason] of [[AUDIT_TABLES.person, 'PERSON_ROWS'], [AUDIT_TABLES.field, 'FIELD_ROWS']] as const) {
      const rows: { sequence: unknown }[] = await this.db(table)
        .distinct('sequence')
        .where('sequence', '>', end)
        .orWhere('sequence', '<', 1)
        .orderBy('sequence')
        .limit(1000);
      for (const row of rows) found.push({ sequence: Number(row.sequence), reason });
    }
    return found;
  }

  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    const probe = async () => {
      if (this.dialect === 'postgresql') {
        // Fails in a read-only transaction or on a standby; SKIP LOCKED never waits for an append.
        await this.db.transaction(async (trx) => {
          await trx(AUDIT_TABLES.head).where({ id: 1 }).forUpdate().skipLocked().first();
        });
      } else {
        // A write that changes nothing, rolled back: refused on a read-only file or connection.
        const rolledBack = new Error('probe');
        await this.locked(async (tx) => {
          await tx.table(AUDIT_TABLES.head).where({ id: 1 }).update({ id: 1 });
          throw rolledBack;
        }).catch((error) => {
          if (error !== rolledBack) throw error;
        });
      }
      return true;
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([probe(), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3000)))]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining) await this.draining;
    await this.db.destroy();
  }
}

function push(map: Map<number, string[]>, key: number, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function personKey(row: Record<string, unknown>): string {
  return String(row.person_id);
}

/** granted (1/0, true/false by dialect), coordinate and policy of a field row, as one comparable text. */
function fieldKey(row: Record<string, unknown>): string {
  const granted = row.granted === true || row.granted === 1 || row.granted === '1';
  return JSON.stringify([granted, String(row.coordinate), row.policy === null || row.policy === undefined ? null : String(row.policy)]);
}

function sameRows(expected: string[], stored: string[] | undefined): boolean {
  const actual = stored ?? [];
  if (expected.length !== actual.length) return false;
  const a = [...expected].sort();
  const b = [...actual].sort();
  return a.every((key, index) => key === b[index]);
}

/** The breaks a walk found: every one counted, the first `limit` (by sequence) kept. */
class BreakList {
  count = 0;
  /** The last sequence of the intact prefix (before the first break). */
  intact = 0;
  private readonly listed: AuditBreak[] = [];
  constructor(private readonly limit: number) {}

  add(sequence: number, reason: AuditBreakReason): void {
    this.count += 1;
    if (this.listed.length < this.limit) this.listed.push({ sequence, reason });
  }

  /** A run of missing records counts each one, without a loop over a forged huge range. */
  addRange(from: number, to: number, reason: AuditBreakReason): void {
    const listedNow = Math.min(to - from + 1, this.limit - this.listed.length);
    for (let i = 0; i < listedNow; i++) this.listed.push({ sequence: from + i, reason });
    this.count += to - from + 1;
  }

  result(_end: number): AuditVerifyResult {
    if (this.count === 0) return { ok: true, records: this.intact };
    const broken = [...this.listed].sort((a, b) => a.sequence - b.sequence);
    return { ok: false, records: this.intact, firstBroken: broken[0], broken, brokenCount: this.count };
  }
}

/**
 * A record whose hash holds under another sequence number is intact but out of its place: it was
 * moved (renumbered), not changed. Looks within ±100,000 places; only runs once a hash failed.
 */
function belongsElsewhere(record: AuditRecord, end: number): boolean {
  for (let distance = 1; distance <= 100_000; distance++) {
    for (const candidate of [record.sequence - distance, record.sequence + distance]) {
      if (candidate >= 1 && candidate <= end && recordHash({ ...record, sequence: candidate }) === record.hash) return true;
    }
    if (record.sequence - distance < 1 && record.sequence + distance > end) break;
  }
  return false;
}

/** Records whose true place verify looks for (belongsElsewhere) before it calls the rest changed. */
const MAX_RELOCATION_CHECKS = 10;

function instant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AuditInputError(`${name} is not an ISO 8601 time (${value})`);
  return ms;
}

function cursorSequence(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw new AuditInputError(`not an audit cursor: ${cursor}`);
  return Number(cursor);
}

function connect(config: Knex.Config, dialect: AuditDialect): Knex {
  // FULL: a committed record survives a power cut too, not only a killed process.
  return dialect === 'postgresql' ? knexFactory(config) : openSqliteWriter(config, 'FULL');
}

/** Opens (creating and migrating when needed) the audit store, with its append-only triggers in place. */
export async function openAuditStore(options: OpenAuditStoreOptions = {}): Promise<AuditStore> {
  const config = options.config ?? auditDatabaseConfig(options.env ?? process.env);
  const dialect = auditDialectOf(config);
  let db: Knex;
  try {
    db = connect(config, dialect);
  } catch (error) {
    throw unavailable(error, 'open');
  }
  try {
    await migrateAuditToLatest(db);
    const repaired = await ensureAppendOnlyTriggers(db, dialect);
    return new KnexAuditStore(db, dialect, repaired);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw unavailable(error, 'open');
  }
}
