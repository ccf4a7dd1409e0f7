import knexFactory, { type Knex } from 'knex';
import { ensurePrivateSqliteFile } from './private-files';

/**
 * One writing connection to a SQLite file that several writers share (the audit trail and the
 * bulk-output ledger live in one database): the file readable by its owner only, WAL, and
 * BEGIN IMMEDIATE that waits for another writer without blocking the event loop.
 */

export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** What a better-sqlite3 connection offers that these helpers use. */
export interface SqlitePragmas {
  pragma(sql: string): unknown;
}

/**
 * A knex over one better-sqlite3 connection to `config.connection.filename`. `synchronous`: FULL
 * where a committed row must survive a power cut (the trail), NORMAL where a lost row only repeats
 * work (the ledger's daily counts).
 */
export function openSqliteWriter(
  config: Knex.Config,
  synchronous: 'FULL' | 'NORMAL',
  /**
   * `neverWaits`: busy_timeout 0 for good, so BEGIN IMMEDIATE needs no pragma switching: for a
   * connection on a request thread, which must never sleep inside SQLite.
   */
  options: { readonly neverWaits?: boolean } = {},
): Knex {
  const filename = (config.connection as { filename: string }).filename;
  // Who saw whom: the file (and a folder made for it) readable by its owner only.
  ensurePrivateSqliteFile(filename);
  return knexFactory({
    useNullAsDefault: true,
    ...config,
    // One connection: every statement of the process goes through it, one transaction at a time.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: SqlitePragmas, done: (err: Error | null, conn: unknown) => void) => {
        try {
          conn.pragma(`busy_timeout = ${options.neverWaits ? 0 : SQLITE_BUSY_TIMEOUT_MS}`);
          conn.pragma('journal_mode = WAL');
          conn.pragma(`synchronous = ${synchronous}`);
          done(null, conn);
        } catch (error) {
          done(error as Error, conn);
        }
      },
    },
  });
}

/**
 * BEGIN IMMEDIATE, waiting for another writer without blocking the event loop: better-sqlite3 is
 * synchronous, so SQLite's own busy wait would stall the whole process (and, with a second writer
 * in the same process, never see the holder commit). Instead: no busy wait, and retry after a
 * short sleep until SQLITE_BUSY_TIMEOUT_MS.
 */
export async function beginImmediate(connection: SqlitePragmas, begin: () => Promise<unknown>, options: { readonly busyTimeoutOff?: boolean } = {}): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  // A connection that never waits (busy_timeout 0 for good, as the ledger's) needs no switching:
  // each pragma is a statement prepared anew, ~35 µs on the request thread.
  if (options.busyTimeoutOff) return retryWhileBusy(begin, deadline);
  connection.pragma('busy_timeout = 0');
  try {
    await retryWhileBusy(begin, deadline);
  } finally {
    connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Runs `begin` until it does not fail with SQLITE_BUSY, sleeping a little between tries, until
 * `deadline` (epoch ms; default SQLITE_BUSY_TIMEOUT_MS from now): for a caller whose every try
 * must leave the connection free for others while it sleeps (lib/bulk/ledger.ts, shared connection).
 */
export async function retryWhileBusy(begin: () => Promise<unknown>, deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await begin();
      return;
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** Math.min(attempt, 5), 25) * (0.5 + Math.random())));
    }
  }
}
