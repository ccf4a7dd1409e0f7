/**
 * One audit chain for N gateway workers (GATEWAY_WORKERS > 1): the primary process owns the audit
 * store (its single-writer thread on SQLite, or the PostgreSQL store) and the workers hand it
 * their entries over the cluster's IPC channel (primary-calls.ts). The contract of an AuditSink is
 * kept across the hop: a worker's `append` resolves only when the primary's append resolved (the
 * entries are committed), and rejects when it failed, timed out, or the primary is gone — the
 * worker then withholds the response's person data as it would with a local store (fail closed).
 *
 * Why not a store per worker: on SQLite the workers' writer threads would contend for the one
 * write lock (BEGIN IMMEDIATE) with busy retries, and each commit would carry one worker's
 * entries only; through the primary the store's queue groups every worker's entries into one
 * transaction (group commit), in one order, in one chain.
 */
import type { Logger } from 'pino';
import type { AuditEntryInput } from '../../lib/audit/types';
import type { AuditSink } from '../audit';
import { answerWorkerCalls, PrimaryCalls, type CallReply, type ParentChannel, type WorkerChannel } from './primary-calls';

const APPEND_CALLS = { call: 'audit:append', answer: 'audit:appended', service: 'audit store' } as const;

export interface AppendMessage {
  readonly type: typeof APPEND_CALLS.call;
  readonly id: number;
  readonly entries: AuditEntryInput[];
}

export type AppendReply = CallReply<typeof APPEND_CALLS.answer>;

/** The worker's sink: entries go to the primary; resolves once they are committed there. */
export class RelayedAuditSink implements AuditSink {
  /** The primary's store groups the appends arriving while it commits: the writer may keep several in flight. */
  readonly groupsAppends = true;
  private readonly calls: PrimaryCalls<typeof APPEND_CALLS.call, typeof APPEND_CALLS.answer>;

  constructor(channel: ParentChannel = process) {
    this.calls = new PrimaryCalls(APPEND_CALLS, channel);
  }

  async append(entries: AuditEntryInput[]): Promise<void> {
    if (entries.length === 0) return;
    await this.calls.call({ entries }, 'append');
  }
}

/** The primary's side: appends each worker's entries to the one store and answers when they are committed. */
export function relayAuditAppends(worker: WorkerChannel, sink: AuditSink, logger: Logger): void {
  answerWorkerCalls(worker, APPEND_CALLS, isAppendMessage, async (message) => void (await sink.append(message.entries)), {
    logger,
    doing: 'append',
    describe: (message) => ({ entries: message.entries.length }),
  });
}

function isAppendMessage(message: unknown): message is AppendMessage {
  const m = message as Partial<AppendMessage> | null;
  return typeof m === 'object' && m !== null && m.type === APPEND_CALLS.call && typeof m.id === 'number' && Array.isArray(m.entries);
}
