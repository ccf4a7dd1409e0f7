/**
 * One bulk-output ledger for N gateway workers on SQLite (GATEWAY_WORKERS > 1): the primary opens
 * it on its audit store's thread, as a single gateway does (lib/audit/threaded-store.ts), and the
 * workers charge it through the cluster's IPC channel (primary-calls.ts).
 *
 * Why: each worker used to open the ledger on its own connection, on its request thread — every
 * answer naming a person ran a write transaction there (synchronous SQLite, ~0.1–1 ms), and the
 * workers' connections raced each other and the store's thread for the file's one write lock.
 * Through the primary, the charges of every worker take turns on the store's thread.
 * On PostgreSQL each worker keeps its own ledger: the driver never blocks the request thread, and
 * row locks (SELECT … FOR UPDATE) keep the counts exact across processes.
 *
 * The contract of a BulkLedger is kept across the hop: a charge resolves with the primary's result
 * and rejects when it failed, timed out or the primary is gone (the plugin then withholds the
 * answer, 503). `at` crosses as an ISO instant (IPC messages are JSON).
 */
import type { Logger } from 'pino';
import type { BulkApproval } from '../../lib/bulk/approvals';
import type { BulkLedger, ChargeRequest, ChargeResult } from '../../lib/bulk/ledger';
import { answerWorkerCalls, PrimaryCalls, type ParentChannel, type WorkerChannel } from './primary-calls';

/**
 * Set by the primary in each worker's environment when it runs the ledger (SQLite): the worker
 * relays its charges only then, so the two never disagree (a worker started by a newer or older
 * primary than itself included).
 */
export const BULK_LEDGER_RELAYED_ENV = 'GATEWAY_BULK_LEDGER_IN_PRIMARY';

const LEDGER_CALLS = { call: 'bulk:call', answer: 'bulk:answered', service: 'bulk-output ledger' } as const;

type WireCharge = Omit<ChargeRequest, 'at'> & { readonly at: string };

export type LedgerMessage = { readonly type: typeof LEDGER_CALLS.call; readonly id: number } & (
  | { readonly op: 'approval'; readonly approvalId: string }
  | { readonly op: 'charge'; readonly request: WireCharge }
  | { readonly op: 'tally'; readonly subject: string; readonly purpose: string; readonly day: string }
);

/** The worker's ledger: every call answered by the primary's. */
export class RelayedBulkLedger implements BulkLedger {
  private readonly calls: PrimaryCalls<typeof LEDGER_CALLS.call, typeof LEDGER_CALLS.answer>;

  constructor(channel: ParentChannel = process) {
    this.calls = new PrimaryCalls(LEDGER_CALLS, channel);
  }

  async approval(approvalId: string): Promise<BulkApproval | undefined> {
    return ((await this.calls.call({ op: 'approval', approvalId }, 'bulk approval lookup')) ?? undefined) as BulkApproval | undefined;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const wire: WireCharge = { ...request, at: request.at.toISOString() };
    return (await this.calls.call({ op: 'charge', request: wire }, 'bulk charge')) as ChargeResult;
  }

  async tally(subject: string, purpose: string, day: string): Promise<number> {
    return (await this.calls.call({ op: 'tally', subject, purpose, day }, 'bulk tally')) as number;
  }

  /** The ledger is the primary's: it closes with the primary's store. */
  async close(): Promise<void> {}
}

/** The primary's side: answers each worker's ledger calls with the one ledger. */
export function relayLedgerCalls(worker: WorkerChannel, ledger: BulkLedger, logger: Logger): void {
  answerWorkerCalls(
    worker,
    LEDGER_CALLS,
    isLedgerMessage,
    async (message) => {
      switch (message.op) {
        case 'approval':
          // JSON has no undefined: "no such approval" crosses as null.
          return (await ledger.approval(message.approvalId)) ?? null;
        case 'charge':
          return ledger.charge({ ...message.request, at: new Date(message.request.at) });
        case 'tally':
          return ledger.tally(message.subject, message.purpose, message.day);
      }
    },
    { logger, doing: 'bulk-output ledger call', describe: (message) => ({ op: message.op }) },
  );
}

/** A charge as our workers send it; anything else is not answered (a charge without its persons would count none). */
function isWireCharge(value: unknown): value is WireCharge {
  const c = value as Partial<Record<keyof WireCharge, unknown>> | null;
  return (
    typeof c === 'object' && c !== null &&
    typeof c.subject === 'string' && typeof c.purpose === 'string' && typeof c.day === 'string' && typeof c.at === 'string' &&
    Array.isArray(c.personIds) && c.personIds.every((person) => typeof person === 'string') &&
    typeof c.budget === 'number' && (c.approvalId === null || typeof c.approvalId === 'string')
  );
}

function isLedgerMessage(message: unknown): message is LedgerMessage {
  const m = message as Partial<Record<string, unknown>> | null;
  if (typeof m !== 'object' || m === null || m.type !== LEDGER_CALLS.call || typeof m.id !== 'number') return false;
  if (m.op === 'approval') return typeof m.approvalId === 'string';
  if (m.op === 'charge') return isWireCharge(m.request);
  return m.op === 'tally' && typeof m.subject === 'string' && typeof m.purpose === 'string' && typeof m.day === 'string';
}
