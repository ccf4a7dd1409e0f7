/**
 * Appends with group commit: inside the process a queue serialises appends and groups whatever
 * piled up while the previous transaction ran into one transaction; inside the database the
 * chain-head lock (head-lock.ts) serialises processes. A call's records are stored in one
 * transaction, in order, or not at all (then it throws).
 */
import type { Knex } from 'knex';
import { recordHash } from './chain';
import { isEntryError, unavailable } from './errors';
import { fieldSetOf, type FieldSet } from './field-sets';
import { locked, type WriteTx } from './head-lock';
import { AUDIT_TABLES, type AuditDialect } from './migrations';
import { fieldKey, recordToRow, sideRows, strictFieldKey } from './rows';
import type { AuditEntryInput, AuditRecord } from './types';

/** Most entries one transaction takes when appends pile up. */
const MAX_GROUP_ENTRIES = 2000;

export class GroupCommitAppender {
  private queue: { entries: AuditEntryInput[]; resolve(records: AuditRecord[]): void; reject(error: unknown): void }[] = [];
  private draining: Promise<void> | null = null;

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
    return locked(this.db, this.dialect, async (tx, head) => {
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
      const sets = new Map<string, FieldSet>();
      for (const record of records) {
        const side = sideRows(record);
        persons.push(...side.persons);
        const set = fieldSetOf(side.fields);
        logRows.push({ ...recordToRow(record), field_set: set?.id ?? null });
        if (set) sets.set(set.id, set);
      }
      await tx.insert(AUDIT_TABLES.log, logRows);
      await tx.insert(AUDIT_TABLES.person, persons);
      for (const set of sets.values()) await storeFieldSet(tx, set);
      const last = records[records.length - 1];
      await tx.setHead({ sequence: last.sequence, hash: last.hash, recordedAt });
      return records;
    });
  }
}

/**
 * A set the group names: written when the trail does not hold it yet; left as it is when it
 * holds it exactly (the usual case: one indexed read, no write). Anything else — some of its rows,
 * or other rows under its name, planted before any record named it — is tampering: the append
 * fails (the gateway withholds the answer, 503) rather than name rows that are not the record's.
 * Read each time, never remembered: a restored or failed-over database may have lost a set.
 */
async function storeFieldSet(tx: WriteTx, set: FieldSet): Promise<void> {
  const stored = await tx.select(AUDIT_TABLES.fieldSet, { field_set: set.id });
  if (stored.length === 0) return tx.insert(AUDIT_TABLES.fieldSet, set.rows);
  const expected = set.rows.map(fieldKey);
  const found = stored.map(strictFieldKey);
  if (found.length === expected.length && [...found].sort().every((key, index) => key === expected[index])) return;
  throw new Error(`audit trail tampered with: ${AUDIT_TABLES.fieldSet} holds rows under the name of a field set that are not its own (npm run audit:verify)`);
}
