import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { ApprovalBook, type BulkApproval } from '../../../lib/bulk/approvals';
import { dayOf, openBulkLedger, openBulkLedgerOn, type BulkLedger, type ChargeRequest } from '../../../lib/bulk/ledger';
import { auditDialects, auditEntry, type ScratchAuditStore } from '../../support/audit-store';
import { openBulkLedgerOnStoreThread, openThreadedAuditStore, threadedStoreTestHooks } from '../../../lib/audit/threaded-store';
import { AuditUnavailableError, sqliteDatabaseOf, type AuditStore } from '../../../lib/audit/store';

/**
 * The bulk-output ledger (lib/bulk/ledger.ts) on every dialect the audit database runs on
 * (SQLite; PostgreSQL when the run has one): exact distinct-person counts per user, purpose and
 * day, and per approval, shared by two ledgers on one database as two gateway replicas share it.
 */

const AT = new Date('2026-12-04T03:00:00Z');
const DAY = dayOf(AT, 9 * 60);
const persons = (from: number, count: number) => Array.from({ length: count }, (_, index) => `00${String(1_000_000 + from + index).padStart(8, '0')}`);

function request(overrides: Partial<ChargeRequest>): ChargeRequest {
  return { subject: 'dev:registry-clerk', purpose: 'resident-registry', day: DAY, personIds: [], budget: 5, approvalId: null, at: AT, ...overrides };
}

interface SqliteDatabase {
  prepare(sql: string): { all(...params: unknown[]): unknown[]; run(): unknown };
  close(): void;
}
// better-sqlite3 ships no types; only its constructor and prepare are used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as { new (file: string, options: { readonly: boolean }): SqliteDatabase; prototype: { prepare(sql: string): unknown } };

function approvalFor(grantee: string): Omit<BulkApproval, 'withdrawnAt' | 'withdrawnBy' | 'withdrawalReason' | 'personsUsed'> {
  return {
    id: randomUUID(),
    grantee,
    purpose: 'resident-registry',
    maxPersons: 5,
    validFrom: '2026-12-04T00:00:00+09:00',
    validTo: '2026-12-05T00:00:00+09:00',
    reason: 'synthetic',
    issuedBy: 'dev:terminal-manager',
    issuedByDepartment: 'registry-division',
    issuedAt: AT.toISOString(),
  };
}

/**
 * Each dialect, and SQLite once more with the ledger as the gateway runs it: on the audit store's
 * thread (lib/audit/threaded-store.ts), beside the store's own connection to the same file.
 */
const CASES = auditDialects().flatMap((dialect) => [
  [dialect.name, dialect, false] as const,
  ...(dialect.name === 'sqlite' ? [["sqlite, on the audit store's thread", dialect, true] as const] : []),
]);

describe.each(CASES)('the bulk-output ledger on %s', (_name, dialect, onStoreThread) => {
  // What only SQLite has (its own connection's locking, plans, prepared statements): defined for SQLite alone.
  const sqlite = dialect.name === 'sqlite';
  let scratch: ScratchAuditStore;
  let ledger: BulkLedger;
  let replica: BulkLedger;
  let raw: Knex;
  let threaded: AuditStore | undefined;

  beforeAll(async () => {
    scratch = await dialect.open();
    if (onStoreThread) threaded = await openThreadedAuditStore({ config: scratch.config });
    ledger = threaded ? await openBulkLedgerOnStoreThread(threaded)! : await openBulkLedger(scratch.config);
    replica = await openBulkLedger({ ...scratch.config, pool: scratch.dialect === 'postgresql' ? { min: 0, max: 4 } : undefined });
    raw = knexFactory({ ...scratch.config, pool: { min: 0, max: 1 } } as Knex.Config);
  });

  afterAll(async () => {
    await ledger?.close();
    await threaded?.close();
    await replica?.close();
    await raw?.destroy();
    await scratch?.cleanup();
  });

  if (sqlite && !onStoreThread) test('a charge waiting for another writer of the file never blocks the thread, and goes through once the writer commits', async () => {
    // Another writer (the trail's thread, another replica) holds the write lock for 300 ms.
    const other = new Database((scratch.config.connection as { filename: string }).filename, { readonly: false });
    other.prepare('BEGIN IMMEDIATE').run();
    const charged = ledger.charge(request({ subject: 'dev:waits', personIds: persons(700, 2) }));
    // The thread stays free meanwhile: 20 timers of 10 ms run roughly on time (a SQLite busy
    // wait would hold them all until the lock is released).
    let late = 0;
    for (let tick = 0; tick < 20; tick++) {
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (Date.now() - started > 150) late += 1;
      if (tick === 15) other.prepare('COMMIT').run();
    }
    other.close();
    expect(late).toBe(0);
    expect(await charged).toMatchObject({ ok: true, fresh: 2 });
  });

  if (sqlite) test('a charge that fails half-way changes nothing, and the next charge on the same ledger goes through', async () => {
    const subject = 'dev:half-way';
    // The persons' insert refused: the charge has created its tally row by then, and fails after it.
    await raw.raw("CREATE TRIGGER half_way BEFORE INSERT ON BULK_OUTPUT_PERSON BEGIN SELECT RAISE(ABORT, 'refused half-way by the test'); END");
    try {
      // (better-sqlite3's error is not an Error of jest's realm: matched by its message; from the
      // store's thread it arrives as the AuditUnavailableError that names the call)
      const message = onStoreThread ? 'audit store: bulk charge failed: refused half-way by the test' : 'refused half-way by the test';
      await expect(ledger.charge(request({ subject, personIds: persons(800, 2) }))).rejects.toMatchObject({ message });
    } finally {
      await raw.raw('DROP TRIGGER half_way');
    }
    // Rolled back (no tally row), and no transaction left open on the ledger's connection.
    expect(await raw('BULK_OUTPUT_TALLY').where({ subject }).first()).toBeUndefined();
    expect(await ledger.charge(request({ subject, personIds: persons(800, 2) }))).toMatchObject({ ok: true, fresh: 2, used: 2 });
    expect(await ledger.tally(subject, 'resident-registry', DAY)).toBe(2);
  });

  if (onStoreThread)
    test("a charge waiting for another writer of the file never blocks the store's thread: the store answers meanwhile, and the charge goes through once the writer commits", async () => {
      const other = new Database((scratch.config.connection as { filename: string }).filename, { readonly: false });
      other.prepare('BEGIN IMMEDIATE').run();
      let answered: string;
      let charged: Promise<unknown>;
      // Cleared once the race is decided: a pending 3-s timer kept jest's process alive after the run.
      let blocked: NodeJS.Timeout | undefined;
      try {
        charged = ledger.charge(request({ subject: 'dev:waits-on-thread', personIds: persons(710, 2) }));
        await new Promise((resolve) => setTimeout(resolve, 50));
        // The store's thread reads its head while the charge waits for the lock (a SQLite busy wait
        // there would hold the thread, and the read, for the busy timeout: 10 s).
        answered = await Promise.race([threaded!.head().then(() => 'answered'), new Promise<string>((resolve) => (blocked = setTimeout(() => resolve('blocked'), 3000)))]);
      } finally {
        clearTimeout(blocked);
        other.prepare('COMMIT').run();
        other.close();
      }
      expect(answered).toBe('answered');
      expect(await charged).toMatchObject({ ok: true, fresh: 2 });
    });

  if (onStoreThread)
    test("on the store's thread, charges and the trail's appends in flight together all complete: every count and record is there, the chain intact", async () => {
      // 60 charges (new persons each: every one writes) and 60 appends, all in flight at once.
      const subject = 'dev:beside-the-trail';
      const before = await threaded!.head();
      const results = await Promise.all([
        ...Array.from({ length: 60 }, (_, index) => ledger.charge(request({ subject, budget: 1000, personIds: persons(2000 + index * 3, 3) }))),
        ...Array.from({ length: 60 }, () => threaded!.append([auditEntry()]).then(() => ({ ok: true }))),
      ]);
      expect(results.filter((result) => !result.ok)).toEqual([]);
      expect(await ledger.tally(subject, 'resident-registry', DAY)).toBe(180);
      expect(await threaded!.verify({ anchor: before })).toMatchObject({ ok: true });
      expect((await threaded!.head()).sequence).toBe(before.sequence + 60);
    });

  if (onStoreThread)
    test("a charge fails with AuditUnavailableError once the store's thread is gone (the plugin then withholds the answer)", async () => {
      const gone = await openThreadedAuditStore({ config: scratch.config });
      const ledgerOfGone = (await openBulkLedgerOnStoreThread(gone))!;
      expect(await ledgerOfGone.charge(request({ subject: 'dev:gone', personIds: persons(3000, 1) }))).toMatchObject({ ok: true, fresh: 1 });
      await threadedStoreTestHooks(gone).terminate();
      await expect(ledgerOfGone.charge(request({ subject: 'dev:gone', personIds: persons(3001, 1) }))).rejects.toBeInstanceOf(AuditUnavailableError);
      await gone.close();
    });

  test('the day dedupes persons and refuses, changing nothing, what would pass the budget', async () => {
    const subject = 'dev:a';
    expect(await ledger.charge(request({ subject, personIds: persons(0, 3) }))).toMatchObject({ ok: true, fresh: 3, used: 3 });
    expect(await ledger.charge(request({ subject, personIds: [...persons(2, 4), ...persons(2, 4)] }))).toEqual({ ok: false, code: 'BULK_APPROVAL_REQUIRED', used: 3, limit: 5, fresh: 3 });
    expect(await ledger.tally(subject, 'resident-registry', DAY)).toBe(3);
    expect(await ledger.charge(request({ subject, personIds: [...persons(0, 2), ...persons(3, 2)] }))).toMatchObject({ ok: true, fresh: 2, used: 5 });
    expect(await ledger.charge(request({ subject, personIds: persons(0, 5) }))).toMatchObject({ ok: true, fresh: 0, used: 5 });
    expect(await ledger.charge(request({ subject, personIds: persons(9, 1) }))).toMatchObject({ ok: false, code: 'BULK_APPROVAL_REQUIRED' });
    // Another purpose, another day: counted apart.
    expect(await ledger.charge(request({ subject, purpose: 'local-tax', personIds: persons(9, 5) }))).toMatchObject({ ok: true, used: 5 });
    expect(await ledger.charge(request({ subject, day: '2026-12-05', personIds: persons(9, 5) }))).toMatchObject({ ok: true, used: 5 });
    // A page larger than one lookup chunk (400) is counted exactly too.
    expect(await ledger.charge(request({ subject: 'dev:big', budget: 1000, personIds: persons(0, 1000) }))).toMatchObject({ ok: true, fresh: 1000, used: 1000 });
    expect(await ledger.charge(request({ subject: 'dev:big', budget: 1000, personIds: persons(500, 501) }))).toMatchObject({ ok: false, fresh: 1, used: 1000 });
  });

  test('two replicas charging one user at once count exactly: never past the budget, every person once', async () => {
    const subject = 'dev:concurrent';
    const budget = 100;
    // 30 requests of 10 persons each, drawn from overlapping windows of 0..199, half through each replica.
    const charges = Array.from({ length: 30 }, (_, index) => ({ ids: persons((index * 7) % 190, 10), via: index % 2 === 0 ? ledger : replica }));
    const results = await Promise.all(charges.map(({ ids, via }) => via.charge(request({ subject, budget, personIds: ids }))));
    const granted = new Set<string>();
    results.forEach((result, index) => {
      if (result.ok) for (const id of charges[index].ids) granted.add(id);
    });
    const tally = await ledger.tally(subject, 'resident-registry', DAY);
    expect(tally).toBe(granted.size);
    expect(tally).toBeLessThanOrEqual(budget);
    expect(results.some((result) => !result.ok)).toBe(true);
    const rows = await raw('BULK_OUTPUT_PERSON').where({ subject }).count<{ n: number | string }[]>({ n: '*' });
    expect(Number(rows[0].n)).toBe(granted.size);
  });

  test('an approval lets exactly its maximum through, for its user, purpose and period, until withdrawn', async () => {
    const book = new ApprovalBook(raw);
    const approval = approvalFor('dev:b');
    await book.issue(approval);
    const use = (overrides: Partial<ChargeRequest>) => ledger.charge(request({ subject: 'dev:b', budget: 0, approvalId: approval.id, ...overrides }));
    expect(await use({ personIds: persons(0, 3) })).toMatchObject({ ok: true, fresh: 3, used: 3, limit: 5, approvalId: approval.id });
    expect(await use({ personIds: persons(1, 5) })).toEqual({ ok: false, code: 'BULK_APPROVAL_EXCEEDED', used: 3, limit: 5, fresh: 3 });
    expect(await replica.charge(request({ subject: 'dev:b', budget: 0, approvalId: approval.id, personIds: persons(1, 4) }))).toMatchObject({ ok: true, fresh: 2, used: 5 });
    expect((await ledger.approval(approval.id))?.personsUsed).toBe(5);
    expect(await use({ subject: 'dev:c', personIds: persons(0, 1) })).toMatchObject({ ok: false, code: 'BULK_APPROVAL_OTHER_USER' });
    expect(await use({ purpose: 'local-tax', personIds: persons(0, 1) })).toMatchObject({ ok: false, code: 'BULK_APPROVAL_OTHER_PURPOSE' });
    expect(await use({ at: new Date('2026-12-05T00:00:00+09:00'), personIds: persons(0, 1) })).toMatchObject({ ok: false, code: 'BULK_APPROVAL_EXPIRED' });
    expect(await use({ at: new Date('2026-12-03T23:59:59+09:00'), personIds: persons(0, 1) })).toMatchObject({ ok: false, code: 'BULK_APPROVAL_NOT_YET_VALID' });
    expect(await use({ approvalId: randomUUID(), personIds: persons(0, 1) })).toMatchObject({ ok: false, code: 'BULK_APPROVAL_UNKNOWN' });
    expect(await book.withdraw(approval.id, 'dev:terminal-manager', 'synthetic', AT.toISOString())).toBe(true);
    expect(await book.withdraw(approval.id, 'dev:terminal-manager', 'again', AT.toISOString())).toBe(false);
    expect(await use({ personIds: persons(0, 1) })).toMatchObject({ ok: false, code: 'BULK_APPROVAL_WITHDRAWN' });
    const page = await book.list({ grantee: 'dev:b' }, 10, null);
    expect(page.approvals.map((entry) => [entry.id, entry.withdrawnBy, entry.personsUsed])).toEqual([[approval.id, 'dev:terminal-manager', 5]]);
  });

  if (sqlite) test('every statement of a charge (day and approval) reads the ledger by a primary-key index, never a scan', async () => {
    // The SQL the ledger prepares on its connection (once per connection: a fresh ledger here).
    const prepare = jest.spyOn(Database.prototype, 'prepare');
    const fresh = await openBulkLedger(scratch.config);
    try {
      const approval = await new ApprovalBook(raw).issue(approvalFor('dev:plan'));
      expect(await fresh.charge(request({ subject: 'dev:plan', personIds: persons(900, 3) }))).toMatchObject({ ok: true, fresh: 3 });
      expect(await fresh.charge(request({ subject: 'dev:plan', personIds: persons(900, 3), approvalId: approval.id }))).toMatchObject({ ok: true, fresh: 3 });
    } finally {
      await fresh.close();
    }
    const statements = [...new Set(prepare.mock.calls.map((call) => String(call[0])))].filter((sql) => /\bBULK_/.test(sql) && /^(SELECT|INSERT|UPDATE)/.test(sql));
    prepare.mockRestore();
    expect(statements.length).toBeGreaterThanOrEqual(8);
    const file = new Database((scratch.config.connection as { filename: string }).filename, { readonly: true });
    try {
      for (const sql of statements) {
        const unbound = Array.from(sql.matchAll(/\?/g), () => null);
        const details = (file.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...unbound) as { detail: string }[]).map((row) => row.detail).join(' | ');
        if (!sql.startsWith('INSERT')) expect(`${sql}: ${details}`).toMatch(/USING (PRIMARY KEY|INDEX|COVERING INDEX)/);
        expect(`${sql}: ${details}`).not.toMatch(/SCAN BULK_/);
      }
    } finally {
      file.close();
    }
  });
});

/**
 * On the store's thread the ledger shares the store's one SQLite connection (openBulkLedgerOn):
 * each charge commits at NORMAL, and the store's own levels — synchronous FULL for the trail,
 * its busy timeout — are back on the connection after every charge, whichever way it ended.
 */
describe("the bulk-output ledger on the audit store's own SQLite connection", () => {
  let scratch: ScratchAuditStore;
  let ledger: BulkLedger;
  let db: Knex;
  const levels = async () => {
    const connection = (await db.client.acquireConnection()) as { prepare(sql: string): { get(): Record<string, unknown> } };
    try {
      return { synchronous: connection.prepare('PRAGMA synchronous').get().synchronous, busyTimeout: connection.prepare('PRAGMA busy_timeout').get().timeout };
    } finally {
      await db.client.releaseConnection(connection);
    }
  };

  beforeAll(async () => {
    scratch = await auditDialects()[0].open();
    db = sqliteDatabaseOf(scratch.store)!;
    ledger = await openBulkLedgerOn(db);
  });

  afterAll(async () => {
    await ledger?.close();
    await scratch?.cleanup();
  });

  test("the store's levels are back after a charge that counts, one refused, one that failed half-way and one that waited for another writer", async () => {
    // FULL (2) and the writer's busy timeout: the store's trail commits survive a power cut.
    const own = { synchronous: 2, busyTimeout: 10_000 };
    expect(await levels()).toEqual(own);
    expect(await ledger.charge(request({ subject: 'dev:shared', personIds: persons(0, 3) }))).toMatchObject({ ok: true, fresh: 3 });
    expect(await levels()).toEqual(own);
    expect(await ledger.charge(request({ subject: 'dev:shared', personIds: persons(10, 3) }))).toMatchObject({ ok: false, code: 'BULK_APPROVAL_REQUIRED' });
    expect(await levels()).toEqual(own);
    await scratch.raw.raw("CREATE TRIGGER half_way BEFORE INSERT ON BULK_OUTPUT_PERSON BEGIN SELECT RAISE(ABORT, 'refused half-way by the test'); END");
    try {
      await expect(ledger.charge(request({ subject: 'dev:shared-half-way', personIds: persons(20, 1) }))).rejects.toMatchObject({ message: 'refused half-way by the test' });
    } finally {
      await scratch.raw.raw('DROP TRIGGER half_way');
    }
    expect(await levels()).toEqual(own);
    // Another writer holds the file: the store's own appends and reads go on between the charge's tries.
    const other = new Database((scratch.config.connection as { filename: string }).filename, { readonly: false });
    other.prepare('BEGIN IMMEDIATE').run();
    let charged: Promise<unknown>;
    try {
      charged = ledger.charge(request({ subject: 'dev:shared-waits', personIds: persons(30, 1) }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await levels()).toEqual(own);
      expect((await scratch.store.head()).sequence).toBeGreaterThanOrEqual(0);
    } finally {
      other.prepare('COMMIT').run();
      other.close();
    }
    expect(await charged).toMatchObject({ ok: true, fresh: 1 });
    expect(await levels()).toEqual(own);
    // The trail and the ledger on the one connection: appends and charges interleaved, all there.
    const before = await scratch.store.head();
    await Promise.all([
      ...Array.from({ length: 20 }, (_, index) => ledger.charge(request({ subject: 'dev:shared-many', budget: 1000, personIds: persons(100 + index, 1) }))),
      ...Array.from({ length: 20 }, () => scratch.store.append([auditEntry()])),
    ]);
    expect(await ledger.tally('dev:shared-many', 'resident-registry', DAY)).toBe(20);
    expect(await scratch.store.verify({ anchor: before })).toMatchObject({ ok: true });
    expect(await levels()).toEqual(own);
  });

  test('closing the ledger leaves the connection to the store', async () => {
    const another = await openBulkLedgerOn(db);
    await another.close();
    expect((await scratch.store.append([auditEntry()]))[0]?.sequence).toBeGreaterThan(0);
  });

  test('a shared connection is for SQLite only', async () => {
    const pg = knexFactory({ client: 'pg', connection: 'postgres://nobody@127.0.0.1:1/none', pool: { min: 0, max: 1 } });
    try {
      await expect(openBulkLedgerOn(pg)).rejects.toThrow(/SQLite only/);
    } finally {
      await pg.destroy();
    }
  });
});
