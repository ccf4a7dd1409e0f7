/**
 * Appends with group commit: inside the process a queue serialises appends and groups whatever
 * piled up while the previous transaction ran into one transaction; inside the database the
 * chain-head lock (head-lock.ts) serialises processes. A call's records are stored in one
 * transaction, in order, or not at all (then it throws).
 */
import type { Knex } from 'knex';
import { recordHash } from './chain';
import { isEntryError, unavailable } from './errors';
import { fieldSetOf } from './field-sets';
import { locked } from './head-lock';
import { AUDIT_TABLES, type AuditDialect } from './migrations';
import { recordToRow, sideRows } from './rows';
import type { AuditEntryInput, AuditRecord } from './types';

/** Most entries one transaction takes when appends pile up. */
const MAX_GROUP_ENTRIES = 2000;

/** Field sets this appender knows are stored (committed by it or found stored), at most this many. */
const KNOWN_FIELD_SETS = 4096;

export class GroupCommitAppender {
  private queue: { entries: AuditEntryInput[]; resolve(records: AuditRecord[]): void; reject(error: unknown): void }[] = [];
  private draining: Promise<void> | null = null;
  /**
   * Field sets known to be in AUDIT_FIELD_SET: a record naming one writes no set rows. Filled only
   * after a commit (a rolled-back set is not stored); another process's copy of a set is skipped
   * by the insert itself (ON CONFLICT DO NOTHING).
   */
  private readonly storedFieldSets = new Set<string>();

  constructor(
    private readonly db: Knex,
    private readonly dialect: AuditDialect,
  ) {}

  /** Appends entries already normalised (entry.ts); resolves with their records. */
  append(normalised: AuditEntryInput[]): Promise<AuditRecord[]> {
    if (normalised.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ entries: normalised, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once every queued append has been written or refused. */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Writes what is queued, one transaction per group, until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = [this.queue.shift()!];
        let count = group[0].entries.length;
        while (this.queue.length > 0 && count + this.queue[0].entries.length <= MAX_GROUP_ENTRIES) {
          const next = this.queue.shift()!;
          count += next.entries.length;
          group.push(next);
        }
        try {
          const records = await this.writeOrUnavailable(group.flatMap((request) => request.entries));
          let offset = 0;
          for (const request of group) {
            request.resolve(records.slice(offset, offset + request.entries.length));
            offset += request.entries.length;
          }
        } catch (error) {
          if (group.length === 1 || !isEntryError(error)) {
            for (const request of group) request.reject(error);
            continue;
          }
          // One call's entries were refused by the database: the others must not fail with it.
          // Each call again in its own transaction, in order (a call stays all or nothing).
          for (const request of group) {
            await this.writeOrUnavailable(request.entries).then(request.resolve, request.reject);
          }
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private writeOrUnavailable(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    return this.write(entries).catch((error) => {
      throw unavailable(error, 'append');
    });
  }

  private async write(entries: AuditEntryInput[]): Promise<AuditRecord[]> {
    let committedSets: string[] = [];
    const written = await locked(this.db, this.dialect, async (tx, head) => {
      const now = new Date().toISOString();
      // recordedAt never goes backwards along the chain, whichever process's clock wrote it.
      const recordedAt = now > head.recordedAt ? now : head.recordedAt;
      let previousHash = head.hash;
      const records = entries.map((entry, index) => {
        const unhashed = { ...entry, sequence: head.sequence + index + 1, recordedAt, previousHash };
        const record: AuditRecord = { ...unhashed, hash: recordHash(unhashed) };
        previousHash = record.hash;
        return record;
      });
      const persons: Record<string, unknown>[] = [];
      const logRows: Record<string, unknown>[] = [];
      const newSets = new Map<string, Record<string, unknown>[]>();
      for (const record of records) {
        persons.push(...sideRows(record).persons);
        const set = fieldSetOf(record);
        logRows.push({ ...recordToRow(record), field_set: set?.id ?? null });
        if (set && !this.storedFieldSets.has(set.id)) newSets.set(set.id, [...set.rows]);
      }
      await tx.insert(AUDIT_TABLES.log, logRows);
      await tx.insert(AUDIT_TABLES.person, persons);
      await tx.insertNew(AUDIT_TABLES.fieldSet, [...newSets.values()].flat(), ['field_set', 'position']);
      const last = records[records.length - 1];
      await tx.setHead({ sequence: last.sequence, hash: last.hash, recordedAt });
      committedSets = [...newSets.keys()];
      return records;
    });
    if (this.storedFieldSets.size + committedSets.length > KNOWN_FIELD_SETS) this.storedFieldSets.clear();
    for (const id of committedSets) this.storedFieldSets.add(id);
    return written;
  }
}
