import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import { auditDatabaseConfig, auditDialectOf } from './config';
import type { AuditDialect } from './migrations';
import {
  AuditInputError,
  AuditUnavailableError,
  normaliseEntry,
  openAuditStore,
  unavailable,
  type AuditAnchor,
  type AuditFilter,
  type AuditPage,
  type AuditPageRequest,
  type AuditStore,
  type AuditVerifyOptions,
  type AuditVerifyResult,
  type OpenAuditStoreOptions,
} from './store';
import type { AuditEntryInput, AuditRecord } from './types';
import { reviveAuditError, type SerialisedError } from './error-wire';
import type { BulkApproval } from '../bulk/approvals';
import type { BulkLedger, ChargeRequest, ChargeResult } from '../bulk/ledger';

/**
 * The audit store on a worker thread, for the gateway.
 *
 * better-sqlite3 is synchronous: with synchronous=FULL every commit's fsync (milliseconds) blocked
 * the gateway's only thread, and with it every request in flight — the trail cost 38–58% of the
 * gateway's throughput. Here a worker thread (store-worker.ts) owns the connection and the
 * ordinary KnexAuditStore; this side only sends it messages. The contract is unchanged: `append`
 * resolves once the worker's transaction committed (durably, synchronous=FULL as before), and the
 * gateway still sends a response only after that. Appends made while the worker commits wait on
 * the main side as messages and are grouped by the worker's store queue (group commit), besides
 * the AuditWriter's own batching per event-loop turn.
 *
 * Fail closed: if the worker dies (crash, exit, terminate), every pending and later call fails
 * with AuditUnavailableError and `healthy()` is false; nothing restarts it behind the gateway's
 * back (a restart would hide that records may be missing; restart the gateway instead).
 *
 * PostgreSQL keeps the direct store: its driver is asynchronous already (the main thread never
 * waits on the network), so a thread would only add a hop and a copy of every record.
 *
 * The bulk-output ledger (lib/bulk/ledger.ts) lives in the same SQLite file and runs on the same
 * thread (`openBulkLedgerOnStoreThread`): its charge — about six statements for every answer that
 * names a person — cost the gateway's request thread 0.3–1 ms a request, and its write lock raced
 * the store's from another thread. Here the two writers of the file take turns on one thread and
 * one connection, the store's (lib/bulk/ledger.ts `openBulkLedgerOn`).
 */

/** The worker's entry point: plain JS, so it can register a TypeScript loader first (see there). */
const WORKER_BOOTSTRAP = path.join(__dirname, 'store-worker-bootstrap.js');

/**
 * How long an append may take before it fails (AuditUnavailableError, reason TIMEOUT): a worker
 * that hangs without dying must not hold responses forever, it must fail closed (503). Above the
 * store's SQLite busy timeout (10 s), so waiting for another process's lock is not a failure.
 * Should the append still commit later, the trail has a record of an answer that was withheld:
 * over-recording, never under-recording.
 */
export const APPEND_TIMEOUT_MS = 15_000;

/** How long `healthy()` waits for a busy or wedged worker before saying no (the store's own probe gives up after 3 s). */
const HEALTH_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------------------------------------
// The protocol between the two sides (store-worker.ts imports these types)

export interface StoreWorkerData {
  config: Knex.Config;
}

export type StoreRequest =
  | { id: number; op: 'append'; entries: AuditEntryInput[] }
  | { id: number; op: 'query'; filter: AuditFilter; page: AuditPageRequest }
  | { id: number; op: 'verify'; chunkSize?: number; maxListed?: number; anchor?: { sequence: number; hash: string }; progress: boolean }
  | { id: number; op: 'head' }
  | { id: number; op: 'healthy' }
  | { id: number; op: 'close' }
  | { id: number; op: 'ledger:open' }
  | { id: number; op: 'ledger:approval'; approvalId: string }
  | { id: number; op: 'ledger:charge'; request: ChargeRequest }
  | { id: number; op: 'ledger:tally'; subject: string; purpose: string; day: string }
  | { id: number; op: 'test:exit'; code: number }
  | { id: number; op: 'test:crash' }
  | { id: number; op: 'test:hang'; ms: number };

/** Requests without their id, as the main side builds them. */
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type Request = WithoutId<StoreRequest>;

export type { SerialisedError } from './error-wire';

export type StoreReply =
  | { type: 'ready'; dialect: AuditDialect; repairedTriggers: string[] }
  | { type: 'open-failed'; error: SerialisedError }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: SerialisedError }
  | { type: 'progress'; id: number; progress: { verified: number; total: number } };

const revive = reviveAuditError;

// ---------------------------------------------------------------------------------------------

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onProgress?: AuditVerifyOptions['onProgress'];
}

class ThreadedAuditStore implements AuditStore {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the store cannot serve any more: closed, or its worker died. Every later call fails with it. */
  private stopped: AuditUnavailableError | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly worker: Worker,
    readonly dialect: AuditDialect,
    readonly repairedTriggers: string[],
    private readonly appendTimeoutMs: number,
  ) {
    worker.on('message', (message: StoreReply) => this.receive(message));
    // 'error' (an uncaught exception in the worker) is followed by 'exit': the first one names the cause.
    // (`unavailable` keeps the message but never a statement knex may have prefixed to it.)
    worker.on('error', (error) => this.fail(unavailable(error, 'its worker thread').message, 'WORKER_ERROR'));
    worker.on('exit', (code) => this.fail(`audit store: its worker thread stopped (exit code ${code})`, 'WORKER_EXIT'));
    // An idle store does not keep the process alive (as the direct store's connection does not);
    // a call in flight does (`send`), so a script awaiting an append is not cut short.
    worker.unref();
  }

  async append(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    if (this.stopped) throw this.stopped;
    // Checked here, as the direct store does first: a bad entry fails without a round trip,
    // and only the contract's keys are cloned to the worker (which normalises again, cheaply).
    const normalised = entries.map(normaliseEntry);
    if (normalised.length === 0) return [];
    // One message per call, whatever its number of entries.
    return (await this.send({ op: 'append', entries: normalised }, undefined, this.appendTimeoutMs)) as AuditRecord[];
  }

  query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage> {
    return this.send({ op: 'query', filter, page }) as Promise<AuditPage>;
  }

  verify(options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    const request: Request = {
      op: 'verify',
      progress: options.onProgress !== undefined,
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(options.maxListed !== undefined ? { maxListed: options.maxListed } : {}),
      ...(options.anchor !== undefined ? { anchor: { sequence: options.anchor.sequence, hash: options.anchor.hash } } : {}),
    };
    return this.send(request, options.onProgress) as Promise<AuditVerifyResult>;
  }

  head(): Promise<AuditAnchor> {
    return this.send({ op: 'head' }) as Promise<AuditAnchor>;
  }

  async healthy(): Promise<boolean> {
    if (this.stopped) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = this.send({ op: 'healthy' }) as Promise<boolean>;
      return await Promise.race([answer, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS)))]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const alive = this.stopped === null;
      // From now on calls fail as on a closed direct store; those sent before still complete
      // (the worker's store drains its queue before it closes).
      this.stopped ??= new AuditUnavailableError('audit store: closed');
      if (alive) await this.post({ op: 'close' }).catch(() => undefined);
      await this.worker.terminate();
    })();
    return this.closing;
  }

  /**
   * The bulk-output ledger on this store's thread (see above), opened (and migrated) there before
   * this resolves; it closes with the store. A charge that takes longer than an append may fail
   * as an append does (TIMEOUT): the plugin then withholds the answer (fail closed).
   */
  async openBulkLedger(): Promise<BulkLedger> {
    await this.send({ op: 'ledger:open' });
    const call = (request: Request) => this.send(request, undefined, this.appendTimeoutMs);
    return {
      approval: (approvalId) => call({ op: 'ledger:approval', approvalId }) as Promise<BulkApproval | undefined>,
      charge: (request) => call({ op: 'ledger:charge', request }) as Promise<ChargeResult>,
      tally: (subject, purpose, day) => call({ op: 'ledger:tally', subject, purpose, day }) as Promise<number>,
      // The connection is the store thread's: it closes with the store.
      close: async () => undefined,
    };
  }

  /** For threadedStoreTestHooks only. */
  testHooks(): ThreadedStoreTestHooks {
    return {
      terminate: async () => {
        await this.worker.terminate();
      },
      exit: (code = 1) => void this.post({ op: 'test:exit', code }).catch(() => undefined),
      crash: () => void this.post({ op: 'test:crash' }).catch(() => undefined),
      hang: (ms) => void this.post({ op: 'test:hang', ms }).catch(() => undefined),
    };
  }

  private send(request: Request, onProgress?: AuditVerifyOptions['onProgress'], timeoutMs?: number): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    return this.post(request, onProgress, timeoutMs);
  }

  private post(request: Request, onProgress?: AuditVerifyOptions['onProgress'], timeoutMs?: number): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.settle(id)?.reject(new AuditUnavailableError(`audit store: ${request.op} did not complete within ${timeoutMs} ms`, 'TIMEOUT'));
        }, timeoutMs);
        timer.unref();
      }
      const done = <T>(settle: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        settle(value);
      };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject), ...(onProgress ? { onProgress } : {}) });
      if (this.pending.size === 1) this.worker.ref();
      try {
        this.worker.postMessage({ ...request, id });
      } catch (error) {
        this.settle(id);
        // A value that cannot be cloned (a function, a symbol) is the caller's mistake, not the store's.
        const name = (error as { name?: unknown })?.name;
        reject(name === 'DataCloneError' ? new AuditInputError(`audit store: ${request.op} arguments cannot be sent to the store's thread`) : unavailable(error, request.op));
      }
    });
  }

  /** Forgets a request; the worker no longer keeps the process alive once none is pending. */
  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (pending && this.pending.size === 0) this.worker.unref();
    return pending;
  }

  private receive(message: StoreReply): void {
    if (message.type === 'progress') {
      const pending = this.pending.get(message.id);
      try {
        pending?.onProgress?.(message.progress);
      } catch (error) {
        // As on the direct store, a failing progress callback fails the verification.
        this.settle(message.id)?.reject(unavailable(error, 'verify'));
      }
      return;
    }
    if (message.type !== 'result') return;
    const pending = this.settle(message.id);
    if (!pending) return;
    if (message.ok) pending.resolve(message.value);
    else pending.reject(revive(message.error));
  }

  /** The worker is gone: fail closed, now and for every later call. */
  private fail(message: string, reason: string): void {
    this.stopped ??= new AuditUnavailableError(message, reason);
    const error = this.stopped;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.reject(error);
  }
}

export interface ThreadedStoreTestHooks {
  /** Terminates the worker (as `worker.terminate()` would after a fatal error). */
  terminate(): Promise<void>;
  /** Makes the worker call process.exit(code) once it reaches this message. */
  exit(code?: number): void;
  /** Makes the worker throw an uncaught exception. */
  crash(): void;
  /** Blocks the worker's thread for `ms` (a wedged driver): it neither answers nor dies. */
  hang(ms: number): void;
}

/** Test-only: ways to kill a threaded store's worker. Throws for a store that has no worker. */
export function threadedStoreTestHooks(store: AuditStore): ThreadedStoreTestHooks {
  if (!(store instanceof ThreadedAuditStore)) throw new Error('not a threaded audit store');
  return store.testHooks();
}

/**
 * The bulk-output ledger on the thread of a threaded store (SQLite), or undefined for any other
 * store (PostgreSQL: its driver never blocks the request thread; open the ledger directly).
 */
export function openBulkLedgerOnStoreThread(store: AuditStore): Promise<BulkLedger> | undefined {
  return store instanceof ThreadedAuditStore ? store.openBulkLedger() : undefined;
}

/** True when the store runs on a worker thread. */
export function isThreadedAuditStore(store: AuditStore): boolean {
  return store instanceof ThreadedAuditStore;
}

/**
 * Opens the audit store as the gateway uses it: SQLite on a worker thread, PostgreSQL directly
 * (see above). Rejects as `openAuditStore` does when the store cannot be opened (unwritable path,
 * not a database, …): the worker reports its opening failure before anything is served.
 */
export async function openThreadedAuditStore(options: OpenAuditStoreOptions & { appendTimeoutMs?: number } = {}): Promise<AuditStore> {
  const config = options.config ?? auditDatabaseConfig(options.env ?? process.env);
  if (auditDialectOf(config) === 'postgresql') return openAuditStore({ config });
  let worker: Worker;
  try {
    worker = new Worker(WORKER_BOOTSTRAP, { workerData: { config } satisfies StoreWorkerData });
  } catch (error) {
    // A configuration that cannot be cloned (a function in it, e.g. a pool hook) fails here.
    throw unavailable(error, 'open');
  }
  return new Promise<AuditStore>((resolve, reject) => {
    const settle = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: StoreReply) => {
      settle();
      if (message.type === 'ready') {
        resolve(new ThreadedAuditStore(worker, message.dialect, message.repairedTriggers, options.appendTimeoutMs ?? APPEND_TIMEOUT_MS));
      } else {
        void worker.terminate();
        reject(message.type === 'open-failed' ? revive(message.error) : new AuditUnavailableError('audit store: open failed: unexpected message from its worker thread'));
      }
    };
    const onError = (error: unknown) => {
      // The worker could not even start (its module failed to load).
      settle();
      void worker.terminate();
      reject(unavailable(error, 'open'));
    };
    const onExit = (code: number) => {
      settle();
      reject(new AuditUnavailableError(`audit store: open failed: its worker thread stopped (exit code ${code})`, 'WORKER_EXIT'));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
