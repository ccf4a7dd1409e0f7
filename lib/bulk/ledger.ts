import knexFactory, { type Knex } from 'knex';
import { auditDialectOf } from '../audit/config';
import { beginImmediate, openSqliteWriter, type SqlitePragmas } from '../sqlite-writer';
import { approvalRefusal, ApprovalBook, BULK_CODES, rowToApproval, type ApprovalRefusalCode, type BulkApproval } from './approvals';
import { BULK_TABLES, migrateBulkToLatest } from './migrations';

/**
 * The bulk-output ledger (大量出力の計数): how many distinct persons each user has received per
 * purpose and day, and per approval, counted exactly and shared by every gateway replica through
 * the audit database (lib/bulk/migrations.ts).
 *
 * One charge is one transaction that locks what it counts — PostgreSQL: the tally row, or the
 * approval row, `SELECT … FOR UPDATE`; SQLite: BEGIN IMMEDIATE — so two replicas charging the
 * same user at once see each other's persons, never a stale count. The persons are looked up by
 * primary key in chunks (statements grow with the persons of the answer, never with the day's or
 * the table's rows). A charge that would pass the limit changes nothing and says why.
 */

export interface ChargeRequest {
  readonly subject: string;
  readonly purpose: string;
  /** The day on the ward's clock (YYYY-MM-DD). */
  readonly day: string;
  /** 宛名番号 of the persons the answer carries (duplicates are counted once). */
  readonly personIds: readonly string[];
  /** Distinct persons a day without an approval (bulk-output.yaml). */
  readonly budget: number;
  /** X-Bulk-Approval: count against this approval instead of the day's budget. */
  readonly approvalId: string | null;
  readonly at: Date;
}

export type ChargeResult =
  | { readonly ok: true; readonly fresh: number; readonly used: number; readonly limit: number; readonly approvalId: string | null }
  | {
      readonly ok: false;
      readonly code: ApprovalRefusalCode | typeof BULK_CODES.required | typeof BULK_CODES.exceeded;
      /** Persons counted before this request, the limit, and the persons this answer would have added. */
      readonly used: number;
      readonly limit: number;
      readonly fresh: number;
    };

export interface BulkLedger {
  approval(id: string): Promise<BulkApproval | undefined>;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Persons counted for a user, purpose and day (for tests and operators). */
  tally(subject: string, purpose: string, day: string): Promise<number>;
  close(): Promise<void>;
}

/** Persons per IN (…) lookup: far below SQLite's and SQL Server's parameter limits. */
const CHUNK = 400;

/** `at` as the day on a clock `offsetMinutes` east of UTC. */
export function dayOf(at: Date, offsetMinutes: number): string {
  return new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

type Query = (table: string) => Knex.QueryBuilder;

class KnexBulkLedger implements BulkLedger {
  private readonly book: ApprovalBook;
  /** SQLite: one connection, so one transaction at a time in this process. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Knex,
    private readonly dialect: 'sqlite' | 'postgresql',
  ) {
    this.book = new ApprovalBook(db);
  }

  approval(id: string): Promise<BulkApproval | undefined> {
    return this.book.find(id);
  }

  async tally(subject: string, purpose: string, day: string): Promise<number> {
    const row = (await this.db(BULK_TABLES.tally).where({ subject, purpose, day }).first()) as { persons?: unknown } | undefined;
    return row ? Number(row.persons) : 0;
  }

  charge(request: ChargeRequest): Promise<ChargeResult> {
    const persons = [...new Set(request.personIds)];
    return this.transaction((q, lock) => (request.approvalId !== null ? chargeApproval(q, lock, request, request.approvalId, persons) : chargeDay(q, lock, request, persons)));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.db.destroy();
  }

  private transaction<T>(work: (q: Query, lock: (query: Knex.QueryBuilder) => Knex.QueryBuilder) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgresql') return this.db.transaction((trx) => work((table) => trx(table), (query) => query.forUpdate()));
    // SQLite: BEGIN IMMEDIATE takes the database's write lock before anything is read; the one
    // connection runs one transaction at a time (the queue).
    const run = async () => {
      // The one pooled connection (the queue runs one transaction at a time on it).
      const connection = (await this.db.client.acquireConnection()) as SqlitePragmas;
      await this.db.client.releaseConnection(connection);
      await beginImmediate(connection, () => this.db.raw('BEGIN IMMEDIATE'));
      try {
        const result = await work((table) => this.db(table), (query) => query);
        await this.db.raw('COMMIT');
        return result;
      } catch (error) {
        await this.db.raw('ROLLBACK').catch(() => undefined);
        throw error;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** Which of `persons` are already in `table` under `where` (primary-key lookups, a chunk at a time). */
async function alreadyCounted(q: Query, table: string, where: Record<string, string>, persons: readonly string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let index = 0; index < persons.length; index += CHUNK) {
    const rows = (await q(table).select('person_id').where(where).whereIn('person_id', persons.slice(index, index + CHUNK))) as { person_id: string }[];
    for (const row of rows) seen.add(String(row.person_id));
  }
  return seen;
}

async function insertChunked(q: Query, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let index = 0; index < rows.length; index += CHUNK) await q(table).insert(rows.slice(index, index + CHUNK));
}

async function chargeDay(q: Query, lock: (query: Knex.QueryBuilder) => Knex.QueryBuilder, request: ChargeRequest, persons: string[]): Promise<ChargeResult> {
  const key = { subject: request.subject, purpose: request.purpose, day: request.day };
  await q(BULK_TABLES.tally).insert({ ...key, persons: 0 }).onConflict(['subject', 'purpose', 'day']).ignore();
  const tally = (await lock(q(BULK_TABLES.tally).where(key)).first()) as { persons: unknown };
  const used = Number(tally.persons);
  const seen = await alreadyCounted(q, BULK_TABLES.person, key, persons);
  const fresh = persons.filter((person) => !seen.has(person));
  if (used + fresh.length > request.budget) return { ok: false, code: BULK_CODES.required, used, limit: request.budget, fresh: fresh.length };
  if (fresh.length > 0) {
    await insertChunked(q, BULK_TABLES.person, fresh.map((person_id) => ({ ...key, person_id })));
    await q(BULK_TABLES.tally).where(key).update({ persons: used + fresh.length });
  }
  return { ok: true, fresh: fresh.length, used: used + fresh.length, limit: request.budget, approvalId: null };
}

async function chargeApproval(q: Query, lock: (query: Knex.QueryBuilder) => Knex.QueryBuilder, request: ChargeRequest, id: string, persons: string[]): Promise<ChargeResult> {
  const row = (await lock(q(BULK_TABLES.approval).where({ id })).first()) as Record<string, unknown> | undefined;
  const approval = row ? rowToApproval(row) : undefined;
  // Checked again here, under the lock: a withdrawal between the request's arrival and now wins.
  const refusal = approvalRefusal(approval, request.subject, request.purpose, request.at);
  if (refusal || !approval) return { ok: false, code: refusal ?? BULK_CODES.unknown, used: approval?.personsUsed ?? 0, limit: approval?.maxPersons ?? 0, fresh: 0 };
  const seen = await alreadyCounted(q, BULK_TABLES.approvalPerson, { approval_id: id }, persons);
  const fresh = persons.filter((person) => !seen.has(person));
  const used = approval.personsUsed;
  if (used + fresh.length > approval.maxPersons) return { ok: false, code: BULK_CODES.exceeded, used, limit: approval.maxPersons, fresh: fresh.length };
  if (fresh.length > 0) {
    await insertChunked(q, BULK_TABLES.approvalPerson, fresh.map((person_id) => ({ approval_id: id, person_id })));
    await q(BULK_TABLES.approval).where({ id }).update({ persons_used: used + fresh.length });
  }
  return { ok: true, fresh: fresh.length, used: used + fresh.length, limit: approval.maxPersons, approvalId: id };
}

function connect(config: Knex.Config, dialect: 'sqlite' | 'postgresql'): Knex {
  // NORMAL: a count lost to a power cut only lets a user receive that day's persons again.
  return dialect === 'postgresql' ? knexFactory(config) : openSqliteWriter(config, 'NORMAL');
}

/** Opens the ledger on the audit database (`auditDatabaseConfig`), migrating its tables when needed. */
export async function openBulkLedger(config: Knex.Config): Promise<BulkLedger> {
  const dialect = auditDialectOf(config);
  const db = connect(config, dialect);
  try {
    await migrateBulkToLatest(db);
    if (dialect === 'sqlite') await db.raw('PRAGMA busy_timeout = 0');
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return new KnexBulkLedger(db, dialect);
}
