/**
 * One audit chain for N gateway workers (GATEWAY_WORKERS > 1): the primary process owns the audit
 * store (its single-writer thread on SQLite, or the PostgreSQL store) and the workers hand it
 * their entries over the cluster's IPC channel. The contract of an AuditSink is kept across the
 * hop: a worker's `append` resolves only when the primary's append resolved (the entries are
 * committed), and rejects when it failed, timed out, or the primary is gone — the worker then
 * withholds the response's person data as it would with a local store (fail closed).
 *
 * Why not a store per worker: on SQLite the workers' writer threads would contend for the one
 * write lock (BEGIN IMMEDIATE) with busy retries, and each commit would carry one worker's
 * entries only; through the primary the store's queue groups every worker's entries into one
 * transaction (group commit), in one order, in one chain.
 */
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { reviveAuditError, serialiseAuditError, type SerialisedError } from '../../lib/audit/error-wire';
import { AuditUnavailableError } from '../../lib/audit/store';
import { APPEND_TIMEOUT_MS } from '../../lib/audit/threaded-store';
import type { AuditEntryInput } from '../../lib/audit/types';
import type { AuditSink } from '../audit';

export interface AppendMessage {
  readonly type: 'audit:append';
  readonly id: number;
  readonly entries: AuditEntryInput[];
}

export type AppendReply = { readonly type: 'audit:appended'; readonly id: number; readonly ok: true } | { readonly type: 'audit:appended'; readonly id: number; readonly ok: false; readonly error: SerialisedError };

/** A worker's wait for the primary: above the primary store's own append timeout, which answers first. */
const RELAY_TIMEOUT_MS = APPEND_TIMEOUT_MS + 5000;

/** What the worker needs of its IPC channel (`process` in a cluster worker). */
export interface ParentChannel {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  readonly connected?: boolean;
}

/** The worker's sink: entries go to the primary; resolves once they are committed there. */
export class RelayedAuditSink implements AuditSink {
  /** The primary's store groups the appends arriving while it commits: the writer may keep several in flight. */
  readonly groupsAppends = true;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private gone: AuditUnavailableError | null = null;

  constructor(private readonly channel: ParentChannel = process) {
    channel.on('message', (message) => this.receive(message));
    channel.on('disconnect', () => this.failAll(new AuditUnavailableError('audit store: the gateway primary process is gone', 'PRIMARY_GONE')));
  }

  append(entries: AuditEntryInput[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    if (this.gone) return Promise.reject(this.gone);
    const send = this.channel.send;
    if (!send || this.channel.connected === false) return Promise.reject(new AuditUnavailableError('audit store: no channel to the gateway primary process', 'PRIMARY_GONE'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id)?.reject(new AuditUnavailableError(`audit store: append did not complete within ${RELAY_TIMEOUT_MS} ms`, 'TIMEOUT')), RELAY_TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      const message: AppendMessage = { type: 'audit:append', id, entries };
      send.call(this.channel, message, (error) => {
        if (error) this.settle(id)?.reject(new AuditUnavailableError(`audit store: entries not sent to the gateway primary process (${error.message})`, 'PRIMARY_GONE'));
      });
    });
  }

  private receive(message: unknown): void {
    if (!isAppendReply(message)) return;
    const pending = this.settle(message.id);
    if (!pending) return;
    if (message.ok) pending.resolve();
    else pending.reject(reviveAuditError(message.error));
  }

  private settle(id: number): { resolve: () => void; reject: (error: Error) => void } | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.pending.delete(id);
    return pending;
  }

  private failAll(error: AuditUnavailableError): void {
    this.gone = error;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }
}

/** The primary's side: appends each worker's entries to the one store and answers when they are committed. */
export function relayAuditAppends(worker: Worker, sink: AuditSink, logger: Logger): void {
  worker.on('message', (message: unknown) => {
    if (!isAppendMessage(message)) return;
    const reply = (answer: AppendReply): void => {
      // A worker that died meanwhile gets no answer; its requests died with it.
      if (worker.isConnected()) worker.send(answer);
    };
    sink.append(message.entries).then(
      () => reply({ type: 'audit:appended', id: message.id, ok: true }),
      (error: unknown) => {
        const serialised = serialiseAuditError(error, 'append');
        logger.error({ worker: worker.id, err: serialised.message, entries: message.entries.length }, 'audit append for a worker failed');
        reply({ type: 'audit:appended', id: message.id, ok: false, error: serialised });
      },
    );
  });
}

function isAppendMessage(message: unknown): message is AppendMessage {
  const m = message as Partial<AppendMessage> | null;
  return typeof m === 'object' && m !== null && m.type === 'audit:append' && typeof m.id === 'number' && Array.isArray(m.entries);
}

function isAppendReply(message: unknown): message is AppendReply {
  const m = message as Partial<AppendReply> | null;
  return typeof m === 'object' && m !== null && m.type === 'audit:appended' && typeof m.id === 'number';
}
