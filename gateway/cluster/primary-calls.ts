/**
 * Calls from a gateway worker to the primary over the cluster's IPC channel, and the primary's
 * answers (GATEWAY_WORKERS > 1): what must exist once — the audit store (audit-relay.ts), the
 * bulk-output ledger on SQLite (ledger-relay.ts) — lives in the primary, and each worker asks it.
 *
 * A call resolves only on the primary's answer; it rejects with AuditUnavailableError when the
 * answer is a failure, does not come in time, cannot be sent, or the primary is gone — and the
 * worker then withholds the response's person data, as with a local store (fail closed).
 * Messages are JSON (the cluster's default serialisation): plain values only.
 */
import type { Logger } from 'pino';
import { reviveAuditError, serialiseAuditError, type SerialisedError } from '../../lib/audit/error-wire';
import { AuditUnavailableError } from '../../lib/audit/store';
import { APPEND_TIMEOUT_MS } from '../../lib/audit/threaded-store';

/** A worker's wait for the primary: above the primary store's own timeout (appends, charges), which answers first. */
export const RELAY_TIMEOUT_MS = APPEND_TIMEOUT_MS + 5000;

/** What the worker needs of its IPC channel (`process` in a cluster worker). */
export interface ParentChannel {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  readonly connected?: boolean;
}

/** A call's answer: `value` when it succeeded (absent for calls that return nothing). */
export type CallReply<T extends string> =
  | { readonly type: T; readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly type: T; readonly id: number; readonly ok: false; readonly error: SerialisedError };

export interface CallKinds<Q extends string, R extends string> {
  /** `type` of the call messages, and of their answers. */
  readonly call: Q;
  readonly answer: R;
  /** What answers them, for errors ("audit store", "bulk-output ledger"). */
  readonly service: string;
}

/**
 * The kinds of call each channel has a PrimaryCalls for. Ids are numbered per instance and an
 * answer goes to whoever waits for its kind and id: a second instance of one kind on a channel
 * would take the other's answers (a refused charge read as another's acceptance), so it is refused.
 */
const kindsInUse = new WeakMap<ParentChannel, Set<string>>();

/** The worker's side: one per kind of call and channel. */
export class PrimaryCalls<Q extends string, R extends string> {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private gone: AuditUnavailableError | null = null;

  constructor(
    private readonly kinds: CallKinds<Q, R>,
    private readonly channel: ParentChannel = process,
    private readonly timeoutMs: number = RELAY_TIMEOUT_MS,
  ) {
    const inUse = kindsInUse.get(channel) ?? new Set<string>();
    if (inUse.has(kinds.call)) throw new Error(`${kinds.service}: one relay per process (calls "${kinds.call}" are relayed on this channel already)`);
    inUse.add(kinds.call);
    kindsInUse.set(channel, inUse);
    channel.on('message', (message) => this.receive(message));
    channel.on('disconnect', () => this.failAll(new AuditUnavailableError(`${kinds.service}: the gateway primary process is gone`, 'PRIMARY_GONE')));
  }

  /** Sends `body` (with the call's type and id) and resolves with the primary's answer. `doing` names it in errors. */
  call(body: Record<string, unknown>, doing: string): Promise<unknown> {
    if (this.gone) return Promise.reject(this.gone);
    const send = this.channel.send;
    if (!send || this.channel.connected === false) return Promise.reject(new AuditUnavailableError(`${this.kinds.service}: no channel to the gateway primary process`, 'PRIMARY_GONE'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id)?.reject(new AuditUnavailableError(`${this.kinds.service}: ${doing} did not complete within ${this.timeoutMs} ms`, 'TIMEOUT')), this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      send.call(this.channel, { type: this.kinds.call, id, ...body }, (error) => {
        if (error) this.settle(id)?.reject(new AuditUnavailableError(`${this.kinds.service}: ${doing} not sent to the gateway primary process (${error.message})`, 'PRIMARY_GONE'));
      });
    });
  }

  private receive(message: unknown): void {
    const reply = message as Partial<CallReply<R>> | null;
    if (typeof reply !== 'object' || reply === null || reply.type !== this.kinds.answer || typeof reply.id !== 'number') return;
    const pending = this.settle(reply.id);
    if (!pending) return;
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(reviveAuditError((reply as { error: SerialisedError }).error));
  }

  private settle(id: number): { resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined {
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

/** What the primary needs of a worker (a `cluster.Worker`). */
export interface WorkerChannel {
  readonly id: number;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send(message: unknown): boolean;
  isConnected(): boolean;
}

/**
 * The primary's side: answers one kind of call from `worker` with `handle`'s result (or its
 * failure, logged with `describe`'s fields — never the call's values).
 */
export function answerWorkerCalls<Q extends string, R extends string, M extends { type: Q; id: number }>(
  worker: WorkerChannel,
  kinds: CallKinds<Q, R>,
  isCall: (message: unknown) => message is M,
  handle: (message: M) => Promise<unknown>,
  failed: { readonly logger: Logger; readonly doing: string; describe(message: M): Record<string, unknown> },
): void {
  worker.on('message', (message: unknown) => {
    const typed = message as { type?: unknown; id?: unknown } | null;
    if (typeof typed !== 'object' || typed === null || typed.type !== kinds.call || typeof typed.id !== 'number') return;
    const id = typed.id;
    const reply = (answer: CallReply<R>): void => {
      // A worker that died meanwhile gets no answer; its requests died with it.
      if (worker.isConnected()) worker.send(answer);
    };
    if (!isCall(message)) {
      // Refused at once, not left to time out (the worker withholds its answer either way).
      failed.logger.error({ worker: worker.id }, `${kinds.service}: a malformed ${kinds.call} call from a worker refused`);
      reply({ type: kinds.answer, id, ok: false, error: serialiseAuditError(new AuditUnavailableError(`${kinds.service}: malformed call`, 'MALFORMED_CALL'), failed.doing) });
      return;
    }
    handle(message).then(
      (value) => reply({ type: kinds.answer, id: message.id, ok: true, ...(value === undefined ? {} : { value }) }),
      (error: unknown) => {
        const serialised = serialiseAuditError(error, failed.doing);
        failed.logger.error({ worker: worker.id, err: serialised.message, ...failed.describe(message) }, `${kinds.service}: ${failed.doing} for a worker failed`);
        reply({ type: kinds.answer, id: message.id, ok: false, error: serialised });
      },
    );
  });
}
