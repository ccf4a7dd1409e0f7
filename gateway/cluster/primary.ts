/**
 * GATEWAY_WORKERS > 1: the gateway as N worker processes behind one port (Node's `cluster`).
 *
 * The primary serves no requests. It owns what must exist once: the audit store (one chain; the
 * workers' entries reach it through audit-relay.ts), on SQLite the bulk-output ledger on the
 * store's thread (charged through ledger-relay.ts; on PostgreSQL each worker charges the database
 * as every replica does), and the workers themselves (a worker that dies is replaced). Each worker
 * is a whole gateway (gateway/server.ts): it loads and watches the same policy folder (rules and
 * revocations apply in every worker within about a second, as in one process) and counts per-user
 * limits in the shared Redis (gateway/config.ts requires GATEWAY_LIMITS_REDIS_URL).
 * The primary accepts connections and hands them to the workers in turn (cluster's round-robin).
 *
 * Stopping: SIGTERM/SIGINT (or `npm start` gone) stops the workers first — each drains its
 * requests, whose entries still go through the primary — and closes the store after the last one
 * exited. If the primary dies, the workers see their channel close: pending appends fail (their
 * responses are withheld) and the workers stop (lib/parent-watch.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { openBulkLedgerOnStoreThread, openThreadedAuditStore } from '../../lib/audit/threaded-store';
import type { GatewayConfig } from '../config';
import { relayAuditAppends } from './audit-relay';
import { BULK_LEDGER_RELAYED_ENV, relayLedgerCalls } from './ledger-relay';

/** Which worker slot a process fills (0 … N-1); a replacement takes the slot of the one it replaces. */
export const WORKER_INDEX_ENV = 'GATEWAY_WORKER_INDEX';

/** Replacements per slot within a minute before the primary gives up (a worker that cannot start at all). */
const MAX_RESTARTS_PER_MINUTE = 5;

export interface RunningPrimary {
  stop(): Promise<void>;
}

export async function startPrimary(config: GatewayConfig, logger: Logger): Promise<RunningPrimary> {
  // Opened before any worker starts: an unreachable store refuses to start, as in one process.
  const store = await openThreadedAuditStore({ env: { ...config.audit.env } });
  // SQLite: the bulk-output ledger on the store's thread, charged by every worker through this
  // process (ledger-relay.ts); it closes with the store. PostgreSQL: each worker opens its own.
  const ledger = await openBulkLedgerOnStoreThread(store);
  let stopping = false;
  const slots = new Map<Worker, number>();
  const restarts: number[][] = Array.from({ length: config.workers }, () => []);

  const fork = (index: number): Worker => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index), ...(ledger ? { [BULK_LEDGER_RELAYED_ENV]: '1' } : {}) });
    slots.set(worker, index);
    relayAuditAppends(worker, store, logger.child({ component: 'audit' }));
    if (ledger) relayLedgerCalls(worker, ledger, logger.child({ component: 'bulk' }));
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const index = slots.get(worker);
    slots.delete(worker);
    if (stopping || index === undefined) return;
    const now = Date.now();
    const recent = (restarts[index] = restarts[index].filter((at) => now - at < 60_000));
    recent.push(now);
    if (recent.length > MAX_RESTARTS_PER_MINUTE) {
      logger.error({ worker: index, code, signal }, 'gateway worker keeps stopping; stopping the gateway');
      process.kill(process.pid, 'SIGTERM');
      return;
    }
    logger.warn({ worker: index, code, signal }, 'gateway worker stopped; starting a replacement');
    fork(index);
  });

  // Round-robin hand-off by the primary (the default on Linux), set explicitly: the kernel's own
  // balancing sends most connections to the busiest worker.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  for (let index = 0; index < config.workers; index += 1) fork(index);
  await new Promise<void>((resolve, reject) => {
    let listening = 0;
    const onListening = (): void => {
      listening += 1;
      if (listening === config.workers) {
        cluster.off('listening', onListening);
        resolve();
      }
    };
    cluster.on('listening', onListening);
    const onEarlyExit = (): void => {
      if (listening < config.workers && slots.size === 0) reject(new Error('every gateway worker stopped before listening'));
    };
    cluster.on('exit', onEarlyExit);
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      const workers = [...slots.keys()];
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
      // Every worker drained its entries through the relay: now the store may close.
      await store.close();
    })());
  return { stop };
}
