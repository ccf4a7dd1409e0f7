/**
 * The chain-head lock, per dialect: a write transaction that holds AUDIT_CHAIN_HEAD, so that
 * several processes sharing one database still make one chain (SQLite: BEGIN IMMEDIATE;
 * PostgreSQL: SELECT … FOR UPDATE on the head row).
 */
import type { Knex } from 'knex';
import { beginImmediate } from '../sqlite-writer';
import { AUDIT_TABLES, type AuditDialect } from './migrations';

const INSERT_CHUNK = 400;

export interface Head {
  sequence: number;
  hash: string;
  recordedAt: string;
}

/** Queries inside one locked write transaction. */
export interface WriteTx {
  table(name: string): Knex.QueryBuilder;
  /** Inserts rows (all with the same keys, in the same order) into a record table. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** The rows of a record table whose columns equal `where`. */
  select(table: string, where: Readonly<Record<string, string | number>>): Promise<Record<string, unknown>[]>;
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
  all(...params: unknown[]): unknown[];
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

  select(table: string, where: Readonly<Record<string, string | number>>): Record<string, unknown>[] {
    const columns = Object.keys(where);
    return this.statement(`SELECT * FROM ${table} WHERE ${columns.map((column) => `${column} = ?`).join(' AND ')}`).all(...columns.map((column) => where[column])) as Record<string, unknown>[];
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

export function headOf(row: { sequence: unknown; hash: unknown; recorded_at: unknown } | undefined): Head {
  if (!row) throw new Error('the audit chain head (AUDIT_CHAIN_HEAD) is missing');
  return { sequence: Number(row.sequence), hash: String(row.hash), recordedAt: String(row.recorded_at) };
}

/** The chain head as committed now (no lock: for readers). */
export async function readHead(db: Knex): Promise<Head> {
  return headOf(await db(AUDIT_TABLES.head).where({ id: 1 }).first());
}

async function insertChunked(trx: Knex.Transaction, table: string, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx(table).insert(rows.slice(i, i + INSERT_CHUNK));
}

/** Runs `work` in a write transaction that holds the chain head. */
export async function locked<T>(db: Knex, dialect: AuditDialect, work: (tx: WriteTx, head: Head) => Promise<T>): Promise<T> {
  if (dialect === 'postgresql') {
    return db.transaction(async (trx) => {
      const head = headOf(await trx(AUDIT_TABLES.head).where({ id: 1 }).forUpdate().first());
      return work(
        {
          table: (name) => trx(name),
          insert: (table, rows) => insertChunked(trx, table, rows),
          select: (table, where) => trx(table).where(where),
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
  const connection = await db.client.acquireConnection();
  const on = <Q extends { connection(c: unknown): Q }>(query: Q) => query.connection(connection);
  try {
    const sqlite = connection as SqliteConnection;
    let statements = sqliteStatements.get(sqlite);
    if (!statements) sqliteStatements.set(sqlite, (statements = new SqliteStatements(sqlite)));
    const prepared = statements;
    await beginImmediate(sqlite, async () => prepared.statement('BEGIN IMMEDIATE').run());
    try {
      const tx: WriteTx = {
        table: (name) => on(db(name)),
        insert: async (table, rows) => prepared.insert(table, rows),
        select: async (table, where) => prepared.select(table, where),
        setHead: async (next) => prepared.setHead(next),
      };
      const result = await work(tx, prepared.head());
      prepared.statement('COMMIT').run();
      return result;
    } catch (error) {
      await on(db.raw('ROLLBACK')).catch(() => undefined);
      throw error;
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}
