import knexFactory, { type Knex } from 'knex';
import { auditDialectOf } from '../audit/config';
import { beginImmediate, openSqliteWriter, retryWhileBusy, type SqlitePragmas } from '../sqlite-writer';
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

/**
 * The statements one charge makes, inside a transaction that holds what it counts. Two ways to
 * run them: knex (PostgreSQL, `SELECT … FOR UPDATE`) and better-sqlite3 statements prepared once
 * (SQLite, the embedded default: every answer that names a person is charged, and building,
 * compiling and preparing each statement through knex on the gateway's thread cost about 1 ms of
 * CPU per request — a quarter of what rules and audit add to a one-fetch search).
 */
interface LedgerStatements {
  /** The day's tally (created at 0 when missing), locked until the transaction ends. */
  lockTally(key: DayKey): Promise<number>;
  setTally(key: DayKey, persons: number): Promise<void>;
  /** Which of `persons` the day already counted. */
  countedToday(key: DayKey, persons: readonly string[]): Promise<Set<string>>;
  countToday(key: DayKey, persons: readonly string[]): Promise<void>;
  /** The approval's row, locked until the transaction ends. */
  lockApproval(id: string): Promise<Record<string, unknown> | undefined>;
  setApprovalUsed(id: string, persons: number): Promise<void>;
  countedByApproval(id: string, persons: readonly string[]): Promise<Set<string>>;
  countByApproval(id: string, persons: readonly string[]): Promise<void>;
}

interface DayKey {
  readonly subject: string;
  readonly purpose: string;
  readonly day: string;
}

/**
 * SQLite only: the ledger runs on a connection it shares with its owner (the audit store's, on
 * the store's thread) instead of its own. `synchronous` is the owner's level, restored after each
 * charge (a charge commits at NORMAL, as on its own connection).
 */
interface SharedConnection {
  readonly synchronous: number;
  readonly busyTimeoutMs: number;
}

class KnexBulkLedger implements BulkLedger {
  private readonly book: ApprovalBook;
  /** SQLite: one connection, so one transaction at a time in this process. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Knex,
    private readonly dialect: 'sqlite' | 'postgresql',
    private readonly shared?: SharedConnection,
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
    return this.transaction((statements) => (request.approvalId !== null ? chargeApproval(statements, request, request.approvalId, persons) : chargeDay(statements, request, persons)));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    // A shared connection is its owner's to close.
    if (!this.shared) await this.db.destroy();
  }

  private transaction<T>(work: (statements: LedgerStatements) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgresql') return this.db.transaction((trx) => work(knexStatements(trx)));
    // SQLite: BEGIN IMMEDIATE takes the database's write lock before anything is read; the one
    // connection runs one transaction at a time (the queue).
    const run = async () => {
      const { statements, release } = this.shared ? await this.beginShared(this.shared) : await this.beginOwn();
      try {
        const result = await work(statements);
        statements.run('COMMIT');
        return result;
      } catch (error) {
        try {
          statements.run('ROLLBACK');
        } catch {
          // no transaction left to roll back
        }
        throw error;
      } finally {
        await release();
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The ledger's own connection: BEGIN IMMEDIATE, retried while another writer holds the file. */
  private async beginOwn(): Promise<{ statements: SqliteLedgerStatements; release(): Promise<void> }> {
    // The one pooled connection (the queue runs one transaction at a time on it).
    const connection = (await this.db.client.acquireConnection()) as SqliteConnection;
    await this.db.client.releaseConnection(connection);
    const statements = sqliteStatementsOf(connection);
    // busy_timeout is 0 on this connection for good (connect: neverWaits): BEGIN IMMEDIATE never blocks the thread.
    await beginImmediate(connection, async () => statements.run('BEGIN IMMEDIATE'), { busyTimeoutOff: true });
    return { statements, release: async () => undefined };
  }

  /**
   * A connection shared with its owner: held from BEGIN IMMEDIATE to the end of the transaction
   * (the owner's own statements wait in the pool meanwhile), and given back between tries while
   * another writer holds the file, so the owner's reads go on. The charge commits at NORMAL; the
   * owner's levels are restored before the connection is given back.
   */
  private async beginShared(shared: SharedConnection): Promise<{ statements: SqliteLedgerStatements; release(): Promise<void> }> {
    let held: { statements: SqliteLedgerStatements; release(): Promise<void> } | undefined;
    await retryWhileBusy(async () => {
      const connection = (await this.db.client.acquireConnection()) as SqliteConnection;
      const statements = sqliteStatementsOf(connection);
      const release = async () => {
        try {
          // A transaction still open (a COMMIT and its ROLLBACK both failed) would refuse the
          // pragmas and hand the store an open transaction: rolled back first.
          if (connection.inTransaction) statements.run('ROLLBACK');
          statements.run(`PRAGMA synchronous = ${shared.synchronous}`);
          statements.run(`PRAGMA busy_timeout = ${shared.busyTimeoutMs}`);
        } catch {
          // The store's levels cannot be restored: the connection is closed rather than let a
          // trail commit run at NORMAL. The store's next call fails, and the gateway with it
          // withholds person data (fail closed) until it is restarted.
          connection.close();
        } finally {
          await this.db.client.releaseConnection(connection);
        }
      };
      try {
        // Both only outside a transaction; busy_timeout 0: a busy file fails at once, never blocks the thread.
        statements.run('PRAGMA synchronous = NORMAL');
        statements.run('PRAGMA busy_timeout = 0');
        statements.run('BEGIN IMMEDIATE');
      } catch (error) {
        await release();
        throw error;
      }
      held = { statements, release };
    });
    return held!;
  }
}

/** PostgreSQL: the charge's statements through knex, persons looked up by primary key a chunk at a time. */
function knexStatements(trx: Knex.Transaction): LedgerStatements {
  const counted = async (table: string, where: Record<string, string>, persons: readonly string[]) => {
    const seen = new Set<string>();
    for (let index = 0; index < persons.length; index += CHUNK) {
      const rows = (await trx(table).select('person_id').where(where).whereIn('person_id', persons.slice(index, index + CHUNK))) as { person_id: string }[];
      for (const row of rows) seen.add(String(row.person_id));
    }
    return seen;
  };
  const insert = async (table: string, rows: Record<string, unknown>[]) => {
    for (let index = 0; index < rows.length; index += CHUNK) await trx(table).insert(rows.slice(index, index + CHUNK));
  };
  return {
    async lockTally(key) {
      await trx(BULK_TABLES.tally).insert({ ...key, persons: 0 }).onConflict(['subject', 'purpose', 'day']).ignore();
      return Number(((await trx(BULK_TABLES.tally).where({ ...key }).forUpdate().first()) as { persons: unknown }).persons);
    },
    setTally: async (key, persons) => void (await trx(BULK_TABLES.tally).where({ ...key }).update({ persons })),
    countedToday: (key, persons) => counted(BULK_TABLES.person, { ...key }, persons),
    countToday: (key, persons) => insert(BULK_TABLES.person, persons.map((person_id) => ({ ...key, person_id }))),
    lockApproval: async (id) => (await trx(BULK_TABLES.approval).where({ id }).forUpdate().first()) as Record<string, unknown> | undefined,
    setApprovalUsed: async (id, persons) => void (await trx(BULK_TABLES.approval).where({ id }).update({ persons_used: persons })),
    countedByApproval: (id, persons) => counted(BULK_TABLES.approvalPerson, { approval_id: id }, persons),
    countByApproval: (id, persons) => insert(BULK_TABLES.approvalPerson, persons.map((person_id) => ({ approval_id: id, person_id }))),
  };
}

/** The better-sqlite3 connection knex hands out (only what the ledger uses of it). */
interface SqliteConnection extends SqlitePragmas {
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
  readonly inTransaction: boolean;
  close(): void;
}

/**
 * SQLite: the same statements prepared once per connection. A list of persons is one bound
 * parameter (a JSON array read by json_each), so one statement serves any number of persons.
 * BEGIN IMMEDIATE already holds the database's write lock: the reads need no FOR UPDATE.
 */
type SqliteLedgerStatements = LedgerStatements & { run(sql: string): void };

function sqliteStatementsOf(connection: SqliteConnection): SqliteLedgerStatements {
  const known = preparedStatements.get(connection);
  if (known) return known;
  const prepared = new Map<string, ReturnType<SqliteConnection['prepare']>>();
  const statement = (sql: string) => {
    let found = prepared.get(sql);
    if (!found) prepared.set(sql, (found = connection.prepare(sql)));
    return found;
  };
  const { tally, person, approval, approvalPerson } = BULK_TABLES;
  const personIds = (rows: unknown[]) => new Set(rows.map((row) => String((row as { person_id: unknown }).person_id)));
  const statements = {
    run: (sql: string) => void statement(sql).run(),
    async lockTally(key: DayKey) {
      statement(`INSERT INTO ${tally} (subject, purpose, day, persons) VALUES (?, ?, ?, 0) ON CONFLICT (subject, purpose, day) DO NOTHING`).run(key.subject, key.purpose, key.day);
      return Number((statement(`SELECT persons FROM ${tally} WHERE subject = ? AND purpose = ? AND day = ?`).get(key.subject, key.purpose, key.day) as { persons: unknown }).persons);
    },
    async setTally(key: DayKey, persons: number) {
      statement(`UPDATE ${tally} SET persons = ? WHERE subject = ? AND purpose = ? AND day = ?`).run(persons, key.subject, key.purpose, key.day);
    },
    async countedToday(key: DayKey, persons: readonly string[]) {
      const sql = `SELECT person_id FROM ${person} WHERE subject = ? AND purpose = ? AND day = ? AND person_id IN (SELECT value FROM json_each(?))`;
      return personIds(statement(sql).all(key.subject, key.purpose, key.day, JSON.stringify(persons)));
    },
    async countToday(key: DayKey, persons: readonly string[]) {
      statement(`INSERT INTO ${person} (subject, purpose, day, person_id) SELECT ?, ?, ?, value FROM json_each(?)`).run(key.subject, key.purpose, key.day, JSON.stringify(persons));
    },
    async lockApproval(id: string) {
      return statement(`SELECT * FROM ${approval} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    },
    async setApprovalUsed(id: string, persons: number) {
      statement(`UPDATE ${approval} SET persons_used = ? WHERE id = ?`).run(persons, id);
    },
    async countedByApproval(id: string, persons: readonly string[]) {
      return personIds(statement(`SELECT person_id FROM ${approvalPerson} WHERE approval_id = ? AND person_id IN (SELECT value FROM json_each(?))`).all(id, JSON.stringify(persons)));
    },
    async countByApproval(id: string, persons: readonly string[]) {
      statement(`INSERT INTO ${approvalPerson} (approval_id, person_id) SELECT ?, value FROM json_each(?)`).run(id, JSON.stringify(persons));
    },
  };
  preparedStatements.set(connection, statements);
  return statements;
}

/** Prepared statements per SQLite connection (the ledger's one pooled connection lives as long as the ledger). */
const preparedStatements = new WeakMap<object, SqliteLedgerStatements>();

async function chargeDay(statements: LedgerStatements, request: ChargeRequest, persons: string[]): Promise<ChargeResult> {
  const key: DayKey = { subject: request.subject, purpose: request.purpose, day: request.day };
  const used = await statements.lockTally(key);
  const seen = await statements.countedToday(key, persons);
  const fresh = persons.filter((person) => !seen.has(person));
  if (used + fresh.length > request.budget) return { ok: false, code: BULK_CODES.required, used, limit: request.budget, fresh: fresh.length };
  if (fresh.length > 0) {
    await statements.countToday(key, fresh);
    await statements.setTally(key, used + fresh.length);
  }
  return { ok: true, fresh: fresh.length, used: used + fresh.length, limit: request.budget, approvalId: null };
}

async function chargeApproval(statements: LedgerStatements, request: ChargeRequest, id: string, persons: string[]): Promise<ChargeResult> {
  const row = await statements.lockApproval(id);
  const approval = row ? rowToApproval(row) : undefined;
  // Checked again here, under the lock: a withdrawal between the request's arrival and now wins.
  const refusal = approvalRefusal(approval, request.subject, request.purpose, request.at);
  if (refusal || !approval) return { ok: false, code: refusal ?? BULK_CODES.unknown, used: approval?.personsUsed ?? 0, limit: approval?.maxPersons ?? 0, fresh: 0 };
  const seen = await statements.countedByApproval(id, persons);
  const fresh = persons.filter((person) => !seen.has(person));
  const used = approval.personsUsed;
  if (used + fresh.length > approval.maxPersons) return { ok: false, code: BULK_CODES.exceeded, used, limit: approval.maxPersons, fresh: fresh.length };
  if (fresh.length > 0) {
    await statements.countByApproval(id, fresh);
    await statements.setApprovalUsed(id, used + fresh.length);
  }
  return { ok: true, fresh: fresh.length, used: used + fresh.length, limit: approval.maxPersons, approvalId: id };
}

function connect(config: Knex.Config, dialect: 'sqlite' | 'postgresql'): Knex {
  // NORMAL: a count lost to a power cut only lets a user receive that day's persons again.
  // neverWaits: the charge runs on a thread that others need — the audit store's (the gateway's
  // default, lib/audit/threaded-store.ts) or a request thread — so it must not sleep in SQLite.
  // On the store's thread, too, sleeping would be waiting for the store's own lock: it never
  // comes free while the thread sleeps (each writer's BEGIN IMMEDIATE retries on a timer instead).
  return dialect === 'postgresql' ? knexFactory(config) : openSqliteWriter(config, 'NORMAL', { neverWaits: true });
}

/**
 * Opens the ledger on the connection of a SQLite audit store (`db`, its one pooled better-sqlite3
 * connection), migrating its tables when needed: on the store's thread, the two writers of the
 * file then share one connection instead of taking turns on two. Each connection keeps its own
 * page cache and discards it whenever another connection has written the file, so two writers on
 * one thread each re-read what the other had just written, at every transaction (measured: about
 * 38 page reads and 80 µs of CPU per request for a charge and an append; 2.5 reads shared). A
 * charge still commits at NORMAL (the store's next commit at FULL makes it durable with its own);
 * closing the ledger leaves the connection to the store.
 */
export async function openBulkLedgerOn(db: Knex): Promise<BulkLedger> {
  if (auditDialectOf(db.client.config as Knex.Config) !== 'sqlite') throw new Error('openBulkLedgerOn: a shared connection is for SQLite only');
  await migrateBulkToLatest(db);
  const connection = (await db.client.acquireConnection()) as SqliteConnection;
  try {
    const synchronous = Number((connection.prepare('PRAGMA synchronous').get() as { synchronous: unknown }).synchronous);
    const busyTimeoutMs = Number((connection.prepare('PRAGMA busy_timeout').get() as { timeout: unknown }).timeout);
    return new KnexBulkLedger(db, 'sqlite', { synchronous, busyTimeoutMs });
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** Opens the ledger on the audit database (`auditDatabaseConfig`), migrating its tables when needed. */
export async function openBulkLedger(config: Knex.Config): Promise<BulkLedger> {
  const dialect = auditDialectOf(config);
  const db = connect(config, dialect);
  try {
    await migrateBulkToLatest(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return new KnexBulkLedger(db, dialect);
}
