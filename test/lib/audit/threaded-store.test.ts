import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { AuditInputError, AuditUnavailableError, openAuditStore, type AuditStore } from '../../../lib/audit/store';
import { isThreadedAuditStore, openThreadedAuditStore, threadedStoreTestHooks } from '../../../lib/audit/threaded-store';
import type { AuditEntryInput, AuditRecord } from '../../../lib/audit/types';
import { AUDIT_UNAVAILABLE_CODE } from '../../../lib/audit/types';
import { createSchema, describeWithPostgres, schemaUrl } from '../../support/postgres';
import { auditEntry } from '../../support/audit-store';

/**
 * The gateway's audit store on a worker thread (lib/audit/threaded-store.ts): the same contract
 * as the direct store — errors of the same classes, one intact chain — and fail closed when its
 * worker dies. The worker here is a real thread loading the TypeScript through its own loader
 * (lib/audit/store-worker-bootstrap.js), outside jest's module registry.
 */

/** What a call fails with (undefined when it did not). */
async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('threaded audit store (SQLite on a worker thread)', () => {
  let dir: string;
  let file: string;
  const opened: AuditStore[] = [];
  const open = async (filename = file, readonly = false): Promise<AuditStore> => {
    const store = await openThreadedAuditStore({ config: readonly ? { ...auditSqliteConfig(filename), connection: { filename, options: { readonly: true } } } : auditSqliteConfig(filename) });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-threaded-'));
    file = path.join(dir, 'audit.sqlite');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appends, queries and verifies through the worker, progress included', async () => {
    const store = await open();
    expect(isThreadedAuditStore(store)).toBe(true);
    expect(store.dialect).toBe('sqlite');
    expect(store.repairedTriggers).toEqual([]);
    const first = await store.append([auditEntry({ requestId: 'a' })]);
    const more = await store.append([auditEntry({ requestId: 'b', mfa: null }), auditEntry({ requestId: 'c', decision: 'DENIED', personIds: [] })]);
    expect([...first, ...more].map((r) => [r.sequence, r.requestId])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    expect(await store.append([])).toEqual([]);

    const page = await store.query({ decision: 'GRANTED' }, { first: 1 });
    expect(page.records.map((r) => r.requestId)).toEqual(['a']);
    expect(page.hasNextPage).toBe(true);
    const next = await store.query({ decision: 'GRANTED' }, { first: 1, after: page.endCursor });
    expect(next.records.map((r) => r.requestId)).toEqual(['b']);
    expect((await store.query({}, { first: 10 })).records).toEqual([...first, ...more]);

    const progress: { verified: number; total: number }[] = [];
    expect(await store.verify({ chunkSize: 2, onProgress: (p) => progress.push(p) })).toEqual({ ok: true, records: 3 });
    expect(progress).toEqual([{ verified: 2, total: 3 }, { verified: 3, total: 3 }]);
    expect(await store.healthy()).toBe(true);
    // The head, and verify against it as an anchor (options cross to the worker).
    const head = await store.head();
    expect(head).toEqual({ sequence: 3, hash: more[1].hash, recordedAt: more[1].recordedAt });
    expect(await store.verify({ anchor: head })).toEqual({ ok: true, records: 3 });
    expect(await store.verify({ anchor: { sequence: 3, hash: 'f'.repeat(64) }, maxListed: 1 })).toMatchObject({ ok: false, broken: [{ sequence: 3, reason: 'ANCHOR_MISMATCH' }] });

    // What the worker wrote, a direct store reads: the same file, the same chain.
    await store.close();
    const direct = await openAuditStore({ config: auditSqliteConfig(file) });
    try {
      expect(isThreadedAuditStore(direct)).toBe(false);
      expect(await direct.verify()).toEqual({ ok: true, records: 3 });
    } finally {
      await direct.close();
    }
  });

  it('keeps the error classes: AuditInputError for bad input, on either side of the thread', async () => {
    const store = await open();
    // Refused before the message is sent (the entry is normalised on the main side).
    const badEntry = await failure(store.append([{ ...auditEntry(), decision: 'MAYBE' } as unknown as AuditEntryInput]));
    expect(badEntry).toBeInstanceOf(AuditInputError);
    expect((badEntry as AuditInputError).code).toBe('AUDIT_INPUT');
    // Refused by the worker's store, revived as the same class here.
    for (const call of [store.query({}, { first: 0 }), store.query({}, { first: 5, after: 'not-a-cursor' }), store.query({ from: 'yesterday' }, { first: 5 })]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(AuditInputError);
      expect((error as AuditInputError).code).toBe('AUDIT_INPUT');
    }
    // Nothing was written by the refused calls.
    expect(await store.verify()).toEqual({ ok: true, records: 0 });
  });

  it('keeps the error classes: AuditUnavailableError (with reason, without SQL or values) on a read-only file', async () => {
    const writer = await open();
    await writer.append([auditEntry()]);
    const readOnly = await open(file, true);
    const error = await failure(readOnly.append([auditEntry({ personIds: ['0000000042'] })]));
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect((error as AuditUnavailableError).code).toBe(AUDIT_UNAVAILABLE_CODE);
    expect((error as AuditUnavailableError).reason).toMatch(/^SQLITE_READONLY/);
    expect((error as Error).message).not.toMatch(/insert|0000000042/i);
    expect(await readOnly.healthy()).toBe(false);
    // Reading still works there.
    expect(await readOnly.verify()).toEqual({ ok: true, records: 1 });
  });

  it('fails like a closed direct store once closed', async () => {
    const store = await open();
    const before = store.append([auditEntry()]);
    const closing = store.close();
    // Sent before close: completes (the worker drains its queue first). After: refused.
    await expect(before).resolves.toHaveLength(1);
    const after = await failure(store.append([auditEntry()]));
    expect(after).toBeInstanceOf(AuditUnavailableError);
    expect((after as Error).message).toMatch(/closed/);
    await closing;
    expect(await failure(store.query({}, { first: 1 }))).toBeInstanceOf(AuditUnavailableError);
    expect(await store.healthy()).toBe(false);
    await store.close();
  });

  it('refuses to open what cannot be opened, as the direct store does', async () => {
    // A directory where the file's parent should be a directory: not creatable.
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    const unwritable = await failure(openThreadedAuditStore({ config: auditSqliteConfig(path.join(blocker, 'audit.sqlite')) }));
    expect(unwritable).toBeInstanceOf(AuditUnavailableError);
    // A file that is not a database.
    const garbage = path.join(dir, 'garbage.sqlite');
    fs.writeFileSync(garbage, Buffer.alloc(8192, 0x5a));
    const notADatabase = await failure(openThreadedAuditStore({ config: auditSqliteConfig(garbage) }));
    expect(notADatabase).toBeInstanceOf(AuditUnavailableError);
    expect((notADatabase as AuditUnavailableError).reason).toBe('SQLITE_NOTADB');
    // Through the environment, as the gateway opens it.
    const viaEnv = await failure(openThreadedAuditStore({ env: { AUDIT_DB_FILE: path.join(blocker, 'x.sqlite') } }));
    expect(viaEnv).toBeInstanceOf(AuditUnavailableError);
  });

  describe('fails closed when its worker dies', () => {
    const expectDead = async (store: AuditStore, reason: string) => {
      const later = await failure(store.append([auditEntry()]));
      expect(later).toBeInstanceOf(AuditUnavailableError);
      expect((later as AuditUnavailableError).reason).toBe(reason);
      expect(await failure(store.query({}, { first: 1 }))).toBeInstanceOf(AuditUnavailableError);
      expect(await failure(store.verify())).toBeInstanceOf(AuditUnavailableError);
      expect(await store.healthy()).toBe(false);
      // Closing a dead store is quiet.
      await store.close();
    };

    it('terminated', async () => {
      const store = await open();
      await store.append([auditEntry()]);
      await threadedStoreTestHooks(store).terminate();
      await expectDead(store, 'WORKER_EXIT');
    });

    it('process.exit in the worker: the append it never answered rejects', async () => {
      const store = await open();
      threadedStoreTestHooks(store).exit(3);
      // Queued behind the exit: the worker is gone before it reads this.
      const pending = await failure(store.append([auditEntry()]));
      expect(pending).toBeInstanceOf(AuditUnavailableError);
      expect((pending as Error).message).toMatch(/exit code 3/);
      await expectDead(store, 'WORKER_EXIT');
    });

    it('an uncaught exception in the worker', async () => {
      const store = await open();
      const pending = Promise.all(Array.from({ length: 5 }, () => store.append([auditEntry()]).then(() => 'ok', (error: unknown) => error)));
      threadedStoreTestHooks(store).crash();
      const outcomes = await pending;
      // Each append either committed before the crash or was refused as unavailable — never lost silently.
      for (const outcome of outcomes) if (outcome !== 'ok') expect(outcome).toBeInstanceOf(AuditUnavailableError);
      await expectDead(store, 'WORKER_ERROR');
    });
  });

  it('a worker that hangs without dying: the append fails closed after the timeout, and the store goes on once it recovers', async () => {
    const store = await openThreadedAuditStore({ config: auditSqliteConfig(file), appendTimeoutMs: 300 });
    opened.push(store);
    threadedStoreTestHooks(store).hang(1500);
    const started = Date.now();
    const error = await failure(store.append([auditEntry({ requestId: 'held' })]));
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect(error).toMatchObject({ code: AUDIT_UNAVAILABLE_CODE, reason: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1500);
    // Once the worker answers again, appends go on; the late one may have committed (over-recording).
    await new Promise((resolve) => setTimeout(resolve, 1500 - (Date.now() - started) + 100));
    const [after] = await store.append([auditEntry({ requestId: 'after' })]);
    expect(after.requestId).toBe('after');
    await expect(store.verify()).resolves.toMatchObject({ ok: true });
  });

  it('makes one intact chain of many concurrent callers (and of two stores on one file)', async () => {
    const store = await open();
    const other = await open();
    const callers = 120;
    const calls = Array.from({ length: callers }, (_, caller) => {
      const size = (caller % 3) + 1;
      const entries = Array.from({ length: size }, (__, index) => auditEntry({ requestId: `caller-${caller}-${index}` }));
      return (caller % 2 === 0 ? store : other).append(entries);
    });
    const results: AuditRecord[][] = await Promise.all(calls);
    const total = results.reduce((sum, records) => sum + records.length, 0);
    // Each call's records are consecutive and in its order (one transaction per group).
    results.forEach((records, caller) => {
      expect(records.map((r) => r.requestId)).toEqual(records.map((_, index) => `caller-${caller}-${index}`));
      records.forEach((record, index) => expect(record.sequence).toBe(records[0].sequence + index));
    });
    const sequences = results.flat().map((r) => r.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    expect(await store.verify()).toEqual({ ok: true, records: total });
  });
});

describeWithPostgres('threaded audit store on PostgreSQL', () => {
  it('opens the direct store (the pg driver is asynchronous already)', async () => {
    const schema = `audit_threaded_${process.pid}_${Date.now()}`;
    await createSchema(schema);
    const store = await openThreadedAuditStore({ env: { AUDIT_DB_CLIENT: 'pg', AUDIT_DB_URL: schemaUrl(process.env.TEST_PG_URL!, schema) } });
    try {
      expect(isThreadedAuditStore(store)).toBe(false);
      expect(store.dialect).toBe('postgresql');
      await store.append([auditEntry()]);
      expect(await store.verify()).toEqual({ ok: true, records: 1 });
    } finally {
      await store.close();
    }
  });
});
