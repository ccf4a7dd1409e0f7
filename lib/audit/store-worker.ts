import { parentPort, workerData } from 'node:worker_threads';
import { openAuditStore, sqliteDatabaseOf, type AuditStore } from './store';
import { serialiseAuditError } from './error-wire';
import { openBulkLedger, openBulkLedgerOn, type BulkLedger } from '../bulk/ledger';
import type { StoreReply, StoreRequest, StoreWorkerData } from './threaded-store';

/**
 * The worker-thread side of the threaded audit store (lib/audit/threaded-store.ts): it owns the
 * better-sqlite3 connection through the ordinary KnexAuditStore (`openAuditStore`), so every
 * synchronous SQLite call — above all the fsync of each commit (synchronous=FULL) — blocks this
 * thread instead of the gateway's. Each request message is one store call; each answer carries
 * the request's id. The store's own queue still groups appends that arrive while a commit runs.
 */

const port = parentPort;
if (!port) throw new Error('lib/audit/store-worker.ts runs only as a worker thread (see threaded-store.ts)');

/** Errors cross the thread as data (lib/audit/error-wire.ts). */
const serialise = serialiseAuditError;

function reply(message: StoreReply): void {
  port!.postMessage(message);
}

async function answer(id: number, doing: string, work: () => Promise<unknown>): Promise<void> {
  try {
    reply({ type: 'result', id, ok: true, value: await work() });
  } catch (error) {
    reply({ type: 'result', id, ok: false, error: serialise(error, doing) });
  }
}

/**
 * The bulk-output ledger on this thread (same database file), opened when the main side first
 * asks (`ledger:open`): on SQLite, on the store's own connection (see openBulkLedgerOn).
 */
let ledger: Promise<BulkLedger> | undefined;

function ledgerOf(store: AuditStore): Promise<BulkLedger> {
  const db = sqliteDatabaseOf(store);
  return (ledger ??= db ? openBulkLedgerOn(db) : openBulkLedger((workerData as StoreWorkerData).config));
}

function serve(store: AuditStore, request: StoreRequest): void {
  const { id } = request;
  switch (request.op) {
    case 'append':
      void answer(id, 'append', () => store.append(request.entries));
      return;
    case 'query':
      void answer(id, 'query', () => store.query(request.filter, request.page));
      return;
    case 'verify':
      void answer(id, 'verify', () =>
        store.verify({
          ...(request.chunkSize !== undefined ? { chunkSize: request.chunkSize } : {}),
          ...(request.maxListed !== undefined ? { maxListed: request.maxListed } : {}),
          ...(request.anchor !== undefined ? { anchor: request.anchor } : {}),
          // Progress crosses as messages of its own: a callback cannot be cloned.
          ...(request.progress ? { onProgress: (progress) => reply({ type: 'progress', id, progress }) } : {}),
        }),
      );
      return;
    case 'head':
      void answer(id, 'head', () => store.head());
      return;
    case 'healthy':
      void answer(id, 'health check', () => store.healthy());
      return;
    case 'ledger:open':
      void answer(id, 'open the bulk-output ledger', async () => void (await ledgerOf(store)));
      return;
    case 'ledger:approval':
      void answer(id, 'bulk approval lookup', async () => (await ledgerOf(store)).approval(request.approvalId));
      return;
    case 'ledger:charge':
      void answer(id, 'bulk charge', async () => (await ledgerOf(store)).charge(request.request));
      return;
    case 'ledger:tally':
      void answer(id, 'bulk tally', async () => (await ledgerOf(store)).tally(request.subject, request.purpose, request.day));
      return;
    case 'close':
      void answer(id, 'close', async () => {
        // The ledger first: a charge still in its queue completes before its connection closes.
        await ledger?.then((opened) => opened.close()).catch(() => undefined);
        await store.close();
        // Nothing more to serve: let the thread end once the answer is out.
        port!.removeAllListeners('message');
        return undefined;
      });
      return;
    // Test hooks (threadedStoreTestHooks): a worker that dies the two ways a real one can.
    case 'test:exit':
      process.exit(request.code);
    case 'test:hang':
      // Atomics.wait blocks this thread as a wedged native call would.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, request.ms);
      return;
    case 'test:crash':
      // Thrown from the message handler itself: uncaught, so the thread dies before it reads
      // the next message (a deferred throw would race with the messages queued behind this one).
      throw new Error('audit store worker: crash requested by a test');
  }
}

async function start(): Promise<void> {
  const { config } = workerData as StoreWorkerData;
  let store: AuditStore;
  try {
    store = await openAuditStore({ config });
  } catch (error) {
    // The main side rejects `openThreadedAuditStore` with this (the gateway refuses to start).
    reply({ type: 'open-failed', error: serialise(error, 'open') });
    return;
  }
  port!.on('message', (request: StoreRequest) => serve(store, request));
  reply({ type: 'ready', dialect: store.dialect, repairedTriggers: store.repairedTriggers });
}

void start();
