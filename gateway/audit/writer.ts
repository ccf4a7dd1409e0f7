import type { Logger } from 'pino';
import { isEntryError } from '../../lib/audit/store';
import type { AuditEntryInput } from '../../lib/audit/types';
import { SpanStatusCode } from '@opentelemetry/api';
import { startPhase } from '../observability/spans';

/**
 * Where the gateway writes its trail: the store (lib/audit/store.ts `AuditStore`) in production,
 * anything with the same `append` in unit tests (a sink that fails shows fail-closed). `append`
 * must resolve only once the entries are durable (committed): the gateway sends a response only
 * after its entry's append resolved.
 */
export interface AuditSink {
  append(entries: AuditEntryInput[]): Promise<unknown>;
  /**
   * True when the sink itself groups the appends arriving while it commits (the threaded store's
   * queue, the cluster primary's relay): the gateway then keeps several appends in flight (AuditWriterOptions.maxInFlight).
   */
  readonly groupsAppends?: boolean;
}

export interface AuditWriterOptions {
  readonly sink: AuditSink;
  readonly logger: Logger;
  /** Entries per append at most (default 500); more waiting entries go in the next append. */
  readonly maxBatch?: number;
  /**
   * Appends in flight at once (default 1). A sink that itself groups the appends arriving while
   * it commits (the audit store's queue does: one transaction for all of them) can take more:
   * entries then reach it at the end of their event-loop turn instead of waiting for the main
   * thread to see the previous commit resolve, so under load the next commit starts as soon as
   * the last one ends.
   */
  readonly maxInFlight?: number;
  /** Told of each append's duration and result (gateway/observability/metrics.ts). */
  readonly onAppend?: (seconds: number, ok: boolean) => void;
}

export interface AuditWriterStats {
  /** Entries written / failed, and the number of append calls made. */
  written: number;
  failed: number;
  appends: number;
  /** Largest batch one append carried. */
  largestBatch: number;
  /** Entries appended again one by one after their batch was refused for one bad entry. */
  retried: number;
}

interface Pending {
  readonly entry: AuditEntryInput;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the trail. An append starts at the end of the event-loop turn in which an
 * entry arrives when fewer than `maxInFlight` are in flight (setImmediate, no timer): the
 * entries of every response completed in that turn go together. Entries that arrive while the
 * limit is reached wait and then go together in the next one. So a response waits at most for
 * the appends in flight plus its own, never for a timer. `write` resolves when the append holding the entry
 * resolved (committed), and rejects when it failed: the caller then withholds person data
 * (fail closed).
 */
export class AuditWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly counts: AuditWriterStats = { written: 0, failed: 0, appends: 0, largestBatch: 0, retried: 0 };

  constructor(private readonly options: AuditWriterOptions) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 1;
  }

  write(entry: AuditEntryInput): Promise<void> {
    // The request's `gateway.audit` span: from handing the entry over to its commit (queue wait included).
    const span = startPhase('gateway.audit');
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        entry,
        resolve: () => {
          span?.end();
          resolve();
        },
        reject: (error) => {
          span?.setStatus({ code: SpanStatusCode.ERROR });
          span?.end();
          reject(error);
        },
      });
      this.schedule();
    });
  }

  stats(): AuditWriterStats {
    return { ...this.counts };
  }

  /** Entries handed over and not yet committed or failed (waiting, or in an append). */
  pending(): number {
    return this.queue.length + this.inFlightEntries;
  }

  private inFlightEntries = 0;

  /** Times one append for `onAppend`. */
  private timed(entries: number, appended: Promise<unknown>): Promise<unknown> {
    const started = process.hrtime.bigint();
    this.inFlightEntries += entries;
    const report = (ok: boolean) => {
      this.inFlightEntries -= entries;
      this.options.onAppend?.(Number(process.hrtime.bigint() - started) / 1e9, ok);
    };
    appended.then(
      () => report(true),
      () => report(false),
    );
    return appended;
  }

  /** Resolves once every entry handed to `write` so far has been appended or has failed. */
  async drain(): Promise<void> {
    while (this.inFlight > 0 || this.scheduled || this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  private async appendOne(pending: Pending): Promise<void> {
    this.counts.appends += 1;
    try {
      await this.timed(1, this.options.sink.append([pending.entry]));
      this.counts.written += 1;
      pending.resolve();
    } catch (error) {
      this.counts.failed += 1;
      this.options.logger.error({ err: error instanceof Error ? error.message : String(error), entries: 1 }, 'audit append failed');
      pending.reject(error);
    }
  }

  /**
   * The next append starts at the end of this turn of the event loop (setImmediate, no timer):
   * the entries of every response completed in the same turn go together. With a synchronous
   * driver (better-sqlite3 commits block the loop) this is where the grouping comes from.
   */
  private schedule(): void {
    if (this.inFlight >= this.maxInFlight || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.inFlight += 1;
    const batch = this.queue.splice(0, this.maxBatch);
    this.counts.appends += 1;
    this.counts.largestBatch = Math.max(this.counts.largestBatch, batch.length);
    let appended: Promise<unknown>;
    try {
      appended = this.options.sink.append(batch.map((pending) => pending.entry));
    } catch (error) {
      appended = Promise.reject(error);
    }
    this.timed(batch.length, appended).then(
      () => {
        this.counts.written += batch.length;
        for (const pending of batch) pending.resolve();
      },
      async (error: unknown) => {
        if (batch.length > 1 && isEntryError(error)) {
          // One entry of the batch was refused (other requests' entries ride in the same append):
          // each entry again on its own, so only the bad one fails.
          this.counts.retried += batch.length;
          await Promise.all(batch.map((pending) => this.appendOne(pending)));
          return;
        }
        this.counts.failed += batch.length;
        this.options.logger.error({ err: error instanceof Error ? error.message : String(error), entries: batch.length }, 'audit append failed');
        for (const pending of batch) pending.reject(error);
      },
    ).finally(() => {
      this.inFlight -= 1;
      this.schedule();
    });
    // More than one batch waiting (maxBatch), and room for another append: send it next turn.
    if (this.queue.length > 0) this.schedule();
  }
}
