import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import { sqliteFileOf } from './database';

/**
 * Dashboard aggregates (統計) off the subgraph's request thread, for SQLite.
 *
 * better-sqlite3 is synchronous: an aggregate over the whole register (six GROUP BY statements,
 * 0.4–0.5 s at 1,000,000 residents) ran on the subgraph's only thread and stalled every other
 * request to it once per STATISTICS_CACHE_SECONDS. Here the aggregate runs on a worker thread
 * that opens its OWN read-only connection to the same SQLite file (the file is in WAL mode:
 * openDatabase; readers run beside the writer) and sends back only the counts, as plain data.
 *
 * - One worker per legacy system and database handle (in a subgraph process: one), started on
 *   first use, closed when the subgraph stops (server.ts: closeAggregateWorkers).
 * - One computation at a time per worker (callers of one aggregate are already coalesced by
 *   cachedAggregate; different keys, e.g. a new as-of date, wait their turn).
 * - A worker that errors, exits or is terminated fails the computation in flight (the subgraph
 *   masks the error as INTERNAL_SERVER_ERROR; cachedAggregate keeps no failed computation) and is
 *   replaced by a new one on the next call: it never takes the subgraph down.
 * - PostgreSQL and SQL Server run in-thread as before: their drivers are asynchronous, the work
 *   is in the database server already. An in-memory SQLite database cannot be opened by a second
 *   connection (each `:memory:` connection is a database of its own), so it runs in-thread too.
 *
 * The statements a worker ran are not knex 'query' events of the subgraph's connection (they
 * were not run on it); observers that count a subgraph's statements per operation (issue 5)
 * subscribe with onOffThreadStatements.
 */

/** An aggregate: counts from a legacy database, as plain data (structured-clone friendly). */
export type AggregateOperation = (db: Knex) => Promise<unknown>;
export type AggregateOperations = Readonly<Record<string, AggregateOperation>>;

/**
 * The aggregates of one legacy system and the worker that computes them: `bootstrap` is a plain
 * JS entry beside the system's adapter (see subgraphs/residents/legacy/aggregate-worker-bootstrap.js)
 * that serves the same `operations` with serveAggregates (aggregate-worker-thread.ts).
 */
export interface AggregateWorkerKind<Ops extends AggregateOperations = AggregateOperations> {
  readonly name: string;
  readonly bootstrap: string;
  readonly operations: Ops;
}

export function defineAggregateWorker<Ops extends AggregateOperations>(name: string, bootstrap: string, operations: Ops): AggregateWorkerKind<Ops> {
  return { name, bootstrap: path.resolve(bootstrap), operations };
}

// ---------------------------------------------------------------------------------------------
// The protocol (aggregate-worker-thread.ts imports these types)

export interface AggregateWorkerData {
  /** The SQLite file, opened read-only by the worker. */
  filename: string;
}

export type AggregateRequest = { id: number; op: string } | { id: number; op: 'test:crash' } | { id: number; op: 'test:hang'; ms: number };

export type AggregateReply =
  | { id: number; ok: true; value: unknown; statements: string[] }
  | { id: number; ok: false; error: { name: string; code?: string; message: string }; statements: string[] };

/**
 * An aggregate that could not be computed on its worker. Not a client code: the subgraph masks it
 * (INTERNAL_SERVER_ERROR) and logs its cause with quoted text and digits masked (lib/log-cause.ts).
 */
export class AggregateWorkerError extends Error {
  override readonly name = 'AggregateWorkerError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

class AggregateWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  readonly worker: Worker;

  constructor(
    private readonly kind: AggregateWorkerKind,
    filename: string,
    private readonly onStatements: (statements: readonly string[]) => void,
    private readonly onGone: () => void,
  ) {
    this.worker = new Worker(kind.bootstrap, { workerData: { filename } satisfies AggregateWorkerData });
    this.worker.on('message', (reply: AggregateReply) => this.receive(reply));
    // 'error' (an uncaught exception in the worker) is followed by 'exit': the first one names the cause.
    this.worker.on('error', (error: Error) => this.fail(`${kind.name}: its aggregate worker failed (${error?.name ?? 'Error'}: ${error?.message ?? ''})`, 'AGGREGATE_WORKER_ERROR'));
    this.worker.on('exit', (code: number) => this.fail(`${kind.name}: its aggregate worker stopped (exit code ${code})`, 'AGGREGATE_WORKER_EXIT'));
    // An idle worker does not keep the process alive; a computation in flight does (post).
    this.worker.unref();
  }

  /** One request: computations come in turn (offThreadAggregate), test hooks straight away. */
  post(request: { op: string; ms?: number }): Promise<unknown> {
    if (this.stopped) return Promise.reject(new AggregateWorkerError(`${this.kind.name}: its aggregate worker has stopped`, 'AGGREGATE_WORKER_EXIT'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...request, id });
    });
  }

  async close(): Promise<void> {
    this.fail(`${this.kind.name}: its aggregate worker was closed`, 'AGGREGATE_WORKER_CLOSED');
    await this.worker.terminate();
  }

  private receive(reply: AggregateReply): void {
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.statements.length > 0) this.onStatements(reply.statements);
    if (!pending) return;
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new AggregateWorkerError(`${this.kind.name}: aggregate failed on its worker (${reply.error.name}${reply.error.code ? ` ${reply.error.code}` : ''}: ${reply.error.message})`, 'AGGREGATE_FAILED'));
  }

  /** The worker is gone (or going): the computations in flight fail, the next call starts a new worker. */
  private fail(message: string, code: string): void {
    if (!this.stopped) {
      this.stopped = true;
      this.onGone();
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.reject(new AggregateWorkerError(message, code));
  }
}

/** Workers by database handle, then by bootstrap (one per legacy system: a test may start several in one process). */
const workers = new WeakMap<Knex, Map<string, AggregateWorker>>();
/** The last computation asked of each worker slot: the next one waits for it (one at a time). */
const turns = new WeakMap<Knex, Map<string, Promise<unknown>>>();
const statementListeners = new WeakMap<Knex, Set<(sql: string) => void>>();

/**
 * The SQLite file a worker can open beside `db`, or null when the aggregate must run in-thread:
 * a server database (asynchronous driver) or an in-memory SQLite database (a second connection to
 * `:memory:` — or to a `file:` URI, which may name memory — would open an empty database of its own).
 */
export function sharedSqliteFileOf(db: Knex): string | null {
  const filename = sqliteFileOf(db.client.config as Knex.Config);
  if (filename === null || filename === '' || filename === ':memory:' || filename.startsWith('file:')) return null;
  return path.resolve(filename);
}

function workerFor(db: Knex, kind: AggregateWorkerKind, filename: string): AggregateWorker {
  let byKind = workers.get(db);
  if (!byKind) workers.set(db, (byKind = new Map()));
  const existing = byKind.get(kind.bootstrap);
  if (existing) return existing;
  const map = byKind;
  const created: AggregateWorker = new AggregateWorker(
    kind,
    filename,
    (statements) => {
      for (const listener of statementListeners.get(db) ?? []) for (const sql of statements) listener(sql);
    },
    () => {
      // Forgotten once gone: the next call starts a new worker.
      if (map.get(kind.bootstrap) === created) map.delete(kind.bootstrap);
    },
  );
  map.set(kind.bootstrap, created);
  return created;
}

/**
 * The aggregate `op` of `kind` over `db`: on the system's worker thread under a SQLite file,
 * in-thread otherwise (see above). The value is what the operation returns, structured-cloned.
 */
export function offThreadAggregate<Ops extends AggregateOperations, K extends keyof Ops & string>(
  db: Knex,
  kind: AggregateWorkerKind<Ops>,
  op: K,
): Promise<Awaited<ReturnType<Ops[K]>>> {
  const filename = sharedSqliteFileOf(db);
  if (filename === null) return kind.operations[op](db) as Promise<Awaited<ReturnType<Ops[K]>>>;
  let byKind = turns.get(db);
  if (!byKind) turns.set(db, (byKind = new Map()));
  // One computation at a time; the worker is chosen when its turn comes, so a computation queued
  // behind one whose worker died goes to the new worker instead of failing too.
  const result = (byKind.get(kind.bootstrap) ?? Promise.resolve()).then(() => workerFor(db, kind, filename).post({ op }));
  byKind.set(kind.bootstrap, result.catch(() => undefined));
  return result as Promise<Awaited<ReturnType<Ops[K]>>>;
}

/** Stops the aggregate workers started for `db` (the subgraph stops: server.ts). A later call starts new ones. */
export async function closeAggregateWorkers(db: Knex): Promise<void> {
  const byKind = workers.get(db);
  if (!byKind) return;
  const running = [...byKind.values()];
  byKind.clear();
  await Promise.all(running.map((worker) => worker.close()));
}

/**
 * Calls `listener` with each SQL statement an aggregate worker ran for `db` (when its answer
 * arrives). For counting a subgraph's statements per operation (test/support/federation.ts).
 * Returns the unsubscribe function.
 */
export function onOffThreadStatements(db: Knex, listener: (sql: string) => void): () => void {
  let listeners = statementListeners.get(db);
  if (!listeners) statementListeners.set(db, (listeners = new Set()));
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface AggregateWorkerTestHooks {
  /** The worker's thread id (a restarted worker has a new one). */
  readonly threadId: number;
  /** worker.terminate(), as after a fatal error. */
  terminate(): Promise<void>;
  /** Makes the worker throw an uncaught exception from its message handler, before it reads the next message. */
  crash(): void;
  /** Blocks the worker's thread for `ms`, as a wedged native call would: it neither answers nor dies. */
  hang(ms: number): void;
}

/** Test-only: the worker of `kind` for `db` (started if none runs), and ways to kill it. */
export function aggregateWorkerTestHooks(db: Knex, kind: AggregateWorkerKind): AggregateWorkerTestHooks {
  const filename = sharedSqliteFileOf(db);
  if (filename === null) throw new Error('no aggregate worker for a database that is not a SQLite file');
  const worker = workerFor(db, kind, filename);
  return {
    threadId: worker.worker.threadId,
    terminate: async () => {
      await worker.worker.terminate();
    },
    crash: () => void worker.post({ op: 'test:crash' }).catch(() => undefined),
    hang: (ms) => void worker.post({ op: 'test:hang', ms }).catch(() => undefined),
  };
}

/** How many aggregate workers run for `db` (for tests: none after the subgraph stopped). */
export function runningAggregateWorkers(db: Knex): number {
  return workers.get(db)?.size ?? 0;
}
