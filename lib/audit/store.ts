import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { GENESIS_HASH, recordHash } from './chain';
import { auditDatabaseConfig, auditDialectOf } from './config';
import { AUDIT_TABLES, ensureAppendOnlyTriggers, migrateAuditToLatest, type AuditDialect } from './migrations';
import { AUDIT_UNAVAILABLE_CODE, type AuditDecision, type AuditEntryInput, type AuditEventKind, type AuditRecord } from './types';

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

export type AuditBreakReason = 'HASH_MISMATCH' | 'CHAIN_BROKEN' | 'SEQUENCE_GAP' | 'SEQUENCE_ORDER';

export type AuditVerifyResult =
  | { ok: true; records: number }
  | { ok: false; records: number; firstBroken: { sequence: number; reason: AuditBreakReason } };

export interface AuditVerifyOptions {
  /** Called after each chunk: records verified so far, of the chain's length when verify began. */
  onProgress?(progress: { verified: number; total: number }): void;
  /** Records read per query (default 10,000). */
  chunkSize?: number;
}

export interface AuditStore {
  readonly dialect: AuditDialect;
  /** Append-only triggers that were missing when the store opened, and were put back. */
  readonly repairedTriggers: string[];
  append(entries: AuditEntryInput[]): Promise<AuditRecord[]>;
  query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage>;
  verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult>;
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
] as const;

type LogRow = Record<(typeof LOG_COLUMNS)[number], unknown> & { occurred_ms?: number };

// ---------------------------------------------------------------------------------------------
// Entries → records → rows, and back

function optionalString(entry: Record<string, unknown>, key: string): string | null {
  const value = entry[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new AuditInputError(`audit entry: ${key} must be a string or null`);
  return value;
}

function requiredString(entry: Record<string, unknown>, key: string): string {
  const value = entry[key];
  if (typeof value !== 'string' || value === '') throw new AuditInputError(`audit entry: ${key} is required`);
  return value;
}

function stringList(entry: Record<string, unknown>, key: string): string[] {
  const value = entry[key] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new AuditInputError(`audit entry: ${key} must be a list of strings`);
  }
  return [...value];
}

/** A copy of the entry with exactly the contract's keys (what is stored is what is hashed). */
export function normaliseEntry(input: AuditEntryInput): AuditEntryInput {
  if (!input || typeof input !== 'object') throw new AuditInputError('audit entry must be an object');
  const entry = input as unknown as Record<string, unknown>;
  const kind = entry.kind as AuditEventKind;
  if (!KINDS.includes(kind)) throw new AuditInputError(`audit entry: unknown kind ${String(kind)}`);
  const decision = entry.decision as AuditDecision;
  if (!DECISIONS.includes(decision)) throw new AuditInputError(`audit entry: unknown decision ${String(decision)}`);
  const occurredAt = requiredString(entry, 'occurredAt');
  if (Number.isNaN(Date.parse(occurredAt))) throw new AuditInputError(`audit entry: occurredAt is not an ISO 8601 time (${occurredAt})`);
  const mfa = entry.mfa ?? null;
  if (mfa !== null && typeof mfa !== 'boolean') throw new AuditInputError('audit entry: mfa must be a boolean or null');
  const denied = entry.deniedFields ?? [];
  if (!Array.isArray(denied)) throw new AuditInputError('audit entry: deniedFields must be a list');
  const deniedFields = denied.map((item: unknown) => {
    const field = item as { coordinate?: unknown; policy?: unknown };
    if (!field || typeof field.coordinate !== 'string' || typeof field.policy !== 'string') {
      throw new AuditInputError('audit entry: deniedFields items are { coordinate, policy } strings');
    }
    return { coordinate: field.coordinate, policy: field.policy };
  });
  return {
    kind,
    occurredAt,
    requestId: requiredString(entry, 'requestId'),
    subject: optionalString(entry, 'subject'),
    department: optionalString(entry, 'department'),
    roles: stringList(entry, 'roles'),
    purpose: optionalString(entry, 'purpose'),
    mfa: mfa as boolean | null,
    clientName: optionalString(entry, 'clientName'),
    clientVersion: optionalString(entry, 'clientVersion'),
    caseReference: optionalString(entry, 'caseReference'),
    operationName: optionalString(entry, 'operationName'),
    operationHash: optionalString(entry, 'operationHash'),
    decision,
    grantedFields: stringList(entry, 'grantedFields'),
    deniedFields,
    personIds: stringList(entry, 'personIds'),
    ruleVersion: optionalString(entry, 'ruleVersion'),
    errorCodes: stringList(entry, 'errorCodes'),
    detail: optionalString(entry, 'detail'),
  };
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

export function rowToRecord(row: LogRow): AuditRecord {
  const mfa = row.mfa;
  return {
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
          const records = await this.write(group.flatMap((request) => request.entries)).catch((error) => {
            throw unavailable(error, 'append');
          });
          let offset = 0;
          for (const request of group) {
            request.resolve(records.slice(offset, offset + request.entries.length));
            offset += request.entries.length;
          }
        } catch (error) {
          for (const request of group) request.reject(error);
        }
      }
    } finally {
      this.draining = null;
    }
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

  private async walk(options: AuditVerifyOptions): Promise<AuditVerifyResult> {
    const chunkSize = options.chunkSize ?? 10_000;
    // The highest stored sequence first, then the head: an honest append moves both in one
    // transaction, so rows above the head read afterwards were never appended through the chain.
    const max = await this.db(AUDIT_TABLES.log).max({ max: 'sequence' }).first();
    const head = headOf(await this.db(AUDIT_TABLES.head).where({ id: 1 }).first());
    const maxStored = max?.max === null || max?.max === undefined ? 0 : Number(max.max);
    let verified = 0;
    const broken = (sequence: number, reason: AuditBreakReason): AuditVerifyResult => ({ ok: false, records: verified, firstBroken: { sequence, reason } });
    let previousHash = GENESIS_HASH;
    let previousRecordedAt = '';
    let after = 0;
    for (;;) {
      const rows: LogRow[] = await this.db(AUDIT_TABLES.log)
        .select(LOG_COLUMNS)
        .where('sequence', '>', after)
        .andWhere('sequence', '<=', head.sequence)
        .orderBy('sequence')
        .limit(chunkSize);
      if (rows.length === 0) break;
      for (const row of rows) {
        const sequence = Number(row.sequence);
        const expected = verified + 1;
        if (sequence > expected) return broken(expected, 'SEQUENCE_GAP');
        if (sequence < expected) return broken(sequence, 'SEQUENCE_ORDER');
        let record: AuditRecord;
        try {
          record = rowToRecord(row);
        } catch {
          return broken(sequence, 'HASH_MISMATCH');
        }
        if (recordHash(record) !== record.hash) return broken(sequence, belongsElsewhere(record, head.sequence) ? 'SEQUENCE_ORDER' : 'HASH_MISMATCH');
        if (record.previousHash !== previousHash) return broken(sequence, 'CHAIN_BROKEN');
        if (record.recordedAt < previousRecordedAt) return broken(sequence, 'SEQUENCE_ORDER');
        if (sequence === head.sequence && record.hash !== head.hash) return broken(sequence, 'CHAIN_BROKEN');
        previousHash = record.hash;
        previousRecordedAt = record.recordedAt;
        verified += 1;
      }
      after = Number(rows[rows.length - 1].sequence);
      options.onProgress?.({ verified, total: head.sequence });
    }
    if (verified < head.sequence) return broken(verified + 1, 'SEQUENCE_GAP');
    if (maxStored > head.sequence) return broken(head.sequence + 1, 'CHAIN_BROKEN');
    return { ok: true, records: verified };
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

const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * BEGIN IMMEDIATE, waiting for another writer without blocking the event loop: better-sqlite3 is
 * synchronous, so SQLite's own busy wait would stall the whole process (and, with a second store
 * in the same process, never see the holder commit). Instead: no busy wait, and retry after a
 * short sleep until SQLITE_BUSY_TIMEOUT_MS.
 */
async function beginImmediate(connection: SqliteConnection, begin: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  connection.pragma('busy_timeout = 0');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await begin();
        return;
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** Math.min(attempt, 5), 25) * (0.5 + Math.random())));
      }
    }
  } finally {
    connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}

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
  if (dialect === 'postgresql') return knexFactory(config);
  const filename = (config.connection as { filename: string }).filename;
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true });
  return knexFactory({
    useNullAsDefault: true,
    ...config,
    // One connection: every statement of the process goes through it, appends one at a time.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        try {
          conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
          conn.pragma('journal_mode = WAL');
          // FULL: a committed record survives a power cut too, not only a killed process.
          conn.pragma('synchronous = FULL');
          done(null, conn);
        } catch (error) {
          done(error as Error, conn);
        }
      },
    },
  });
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
