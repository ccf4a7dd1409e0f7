import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import pino from 'pino';
import { AuditWriter } from '../../../gateway/audit';
import { parseAnchor } from '../../../lib/audit/anchor';
import { GENESIS_HASH, recordHash } from '../../../lib/audit/chain';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { fieldSetOf } from '../../../lib/audit/field-sets';
import { MAX_RECORD_BYTES } from '../../../lib/audit/limits';
import { auditMigratorConfig, AUDIT_TABLES } from '../../../lib/audit/migrations';
import * as auditQuery from '../../../lib/audit/query';
import { sideRows } from '../../../lib/audit/rows';
import { openAuditStore, recordToRow, rowToRecord, type AuditStore } from '../../../lib/audit/store';
import type { AuditRecord } from '../../../lib/audit/types';
import { auditDialects, auditEntry, dropAuditTriggers, type ScratchAuditStore } from '../../support/audit-store';

/**
 * An audit trail nobody can poison (issue 10 item 5), on the store: client texts that would break
 * the hash or the commit are refused before the transaction, one bad entry never fails another's,
 * verify walks past a break, checks the person and field rows, and holds the chain to an anchor.
 */

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..', '..');
const silent = pino({ level: 'silent' });

async function script(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', name), ...args], { env, cwd: ROOT });
    return { code: 0, stdout: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

describe.each(auditDialects())('the trail nobody can poison, on $name', ({ open }) => {
  let scratch: ScratchAuditStore;
  let store: AuditStore;
  beforeEach(async () => {
    scratch = await open();
    store = scratch.store;
  });
  afterEach(async () => {
    await scratch.cleanup();
  });

  test('an operationName holding a lone UTF-16 surrogate is refused before hashing: no record verify would call tampered', async () => {
    await store.append([auditEntry()]);
    // As stored before: the driver wrote ED A0 80 for "\ud800", and verify reported HASH_MISMATCH.
    await expect(store.append([auditEntry({ operationName: 'Print\ud800' })])).rejects.toMatchObject({ code: 'AUDIT_INPUT', message: expect.stringContaining('not_well_formed') });
    for (const member of ['subject', 'detail', 'clientName'] as const) {
      await expect(store.append([auditEntry({ [member]: 'x\udc00' })])).rejects.toMatchObject({ code: 'AUDIT_INPUT' });
    }
    await expect(store.append([auditEntry({ personIds: ['\ud800'] })])).rejects.toMatchObject({ code: 'AUDIT_INPUT' });
    await store.append([auditEntry({ operationName: 'Ok', caseReference: '案件-\u{1F600}' })]);
    expect(await store.verify()).toEqual({ ok: true, records: 2 });
  });

  test('a client text with a control character, or over its limit, or a record over the ceiling, is refused by the store too', async () => {
    await expect(store.append([auditEntry({ operationName: 'PrintCertificate\nGRANTED by chief' })])).rejects.toMatchObject({ code: 'AUDIT_INPUT' });
    await expect(store.append([auditEntry({ caseReference: 'A'.repeat(65) })])).rejects.toMatchObject({ code: 'AUDIT_INPUT' });
    await expect(store.append([auditEntry({ operationName: 'A'.repeat(1_000_000) })])).rejects.toMatchObject({ code: 'AUDIT_INPUT', message: expect.stringContaining('too_long') });
    const persons = Array.from({ length: Math.ceil(MAX_RECORD_BYTES / 12) }, (_, index) => String(index).padStart(10, '0'));
    await expect(store.append([auditEntry({ personIds: persons })])).rejects.toMatchObject({ code: 'AUDIT_INPUT', message: expect.stringContaining('larger than') });
    expect((await store.head()).sequence).toBe(0);
  });

  test('one entry with U+0000 among 40 appends piling up: only its own append fails, the 39 others are committed (group commit)', async () => {
    // PostgreSQL has no place for U+0000 in text: before, the whole group's transaction failed.
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) => store.append([auditEntry({ requestId: `g${index}`, operationName: index === 20 ? 'Print\u0000' : 'Print' })])),
    );
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
    expect(results[20].status).toBe('rejected');
    expect((await store.head()).sequence).toBe(39);
    expect(await store.verify()).toEqual({ ok: true, records: 39 });
  });

  test('one entry the database itself refuses fails alone: the group it rode in is retried call by call', async () => {
    // A value the checks let through but the database refuses (here a constraint a test adds).
    if (scratch.dialect === 'sqlite') {
      await scratch.raw.raw(`CREATE TRIGGER poison BEFORE INSERT ON "AUDIT_LOG" WHEN NEW.subject = 'poison' BEGIN SELECT RAISE(ABORT, 'poison'); END`);
    } else {
      await scratch.raw.raw(`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.subject = 'poison' THEN RAISE EXCEPTION 'poison' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$`);
      await scratch.raw.raw(`CREATE TRIGGER poison BEFORE INSERT ON "AUDIT_LOG" FOR EACH ROW EXECUTE FUNCTION poison()`);
    }
    // Each with a field set of its own: the sets of the group rolled back are written on the retry.
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) =>
        store.append([auditEntry({ requestId: `p${index}`, subject: index === 25 ? 'poison' : `user-${index}`, grantedFields: ['Resident.name', `Resident.extra${index}`] })]),
      ),
    );
    expect(results.map((result) => result.status).filter((status) => status === 'rejected')).toEqual(['rejected']);
    expect(results[25].status).toBe('rejected');
    expect(await store.verify()).toEqual({ ok: true, records: 39 });
    expect((await store.query({ field: 'Resident.extra24' }, { first: 10 })).records.map((record) => record.requestId)).toEqual(['p24']);
  });

  test("the gateway's writer: a batch of 40 requests' entries with one bad entry fails that request only", async () => {
    const writer = new AuditWriter({ sink: store, logger: silent });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) => writer.write(auditEntry({ requestId: `w${index}`, operationName: index === 7 ? 'Print\u0000' : 'Print' }))),
    );
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
    expect(results[7].status).toBe('rejected');
    expect(writer.stats()).toMatchObject({ written: 39, failed: 1, retried: 40 });
    expect(await store.verify()).toEqual({ ok: true, records: 39 });
  });

  test('usage, bulkApprovalId and claimedRequestId are stored, read back and hashed', async () => {
    const usage = { estimatedCost: 1250.5, costBudget: 5000, rowsReturned: 1000, personsReturned: 998 };
    const [withAll] = await store.append([auditEntry({ usage, bulkApprovalId: 'BA-2026-0007', claimedRequestId: 'proxy-42' })]);
    await store.append([auditEntry({ usage: { estimatedCost: null, costBudget: null, rowsReturned: 3, personsReturned: null } }), auditEntry()]);
    const { records } = await store.query({}, { first: 10 });
    expect(records[0]).toEqual(withAll);
    expect(records[0]).toMatchObject({ usage, bulkApprovalId: 'BA-2026-0007', claimedRequestId: 'proxy-42' });
    expect(records[1].usage).toEqual({ estimatedCost: null, costBudget: null, rowsReturned: 3, personsReturned: null });
    expect(records[2]).not.toHaveProperty('usage');
    expect(await store.verify()).toEqual({ ok: true, records: 3 });
    // Hashed: changing a usage figure or the approval is a tamper.
    await dropAuditTriggers(scratch);
    await scratch.raw(AUDIT_TABLES.log).where({ sequence: 1 }).update({ usage_persons_returned: 10 });
    await scratch.raw(AUDIT_TABLES.log).where({ sequence: 2 }).update({ bulk_approval_id: 'BA-forged' });
    expect(await store.verify()).toMatchObject({ ok: false, brokenCount: 2, broken: [{ sequence: 1, reason: 'HASH_MISMATCH' }, { sequence: 2, reason: 'HASH_MISMATCH' }] });
  });

  test('bad usage figures are refused', async () => {
    for (const usage of [{ estimatedCost: -1 }, { rowsReturned: 1.5 }, { personsReturned: Number.NaN }, { costBudget: '5' }]) {
      await expect(store.append([auditEntry({ usage: usage as never })])).rejects.toMatchObject({ code: 'AUDIT_INPUT' });
    }
  });

  describe('verify', () => {
    const RECORDS = 30;
    beforeEach(async () => {
      for (let i = 0; i < RECORDS; i += 5) {
        await store.append(
          [0, 1, 2, 3, 4].map((j) =>
            auditEntry({ requestId: `v${i + j}`, personIds: [`00000000${String(i + j).padStart(2, '0')}`], deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'mynumber' }] }),
          ),
        );
      }
      await dropAuditTriggers(scratch);
    });

    test('goes past a break: a false alarm at one record does not hide the tampering after it, and every break is listed', async () => {
      await scratch.raw(AUDIT_TABLES.log).where({ sequence: 3 }).update({ operation_name: 'Print\ufffd' });
      await scratch.raw(AUDIT_TABLES.log).where({ sequence: 17 }).update({ subject: 'someone-else' });
      await scratch.raw(AUDIT_TABLES.log).where({ sequence: 24 }).delete();
      expect(await store.verify()).toEqual({
        ok: false,
        records: 2,
        firstBroken: { sequence: 3, reason: 'HASH_MISMATCH' },
        broken: [
          { sequence: 3, reason: 'HASH_MISMATCH' },
          { sequence: 17, reason: 'HASH_MISMATCH' },
          { sequence: 24, reason: 'SEQUENCE_GAP' },
        ],
        brokenCount: 3,
      });
    });

    test('the list is bounded; the count is not', async () => {
      await scratch.raw(AUDIT_TABLES.log).where('sequence', '>=', 5).andWhere('sequence', '<=', 24).update({ subject: 'someone-else' });
      const result = await store.verify({ maxListed: 4, chunkSize: 7 });
      expect(result).toMatchObject({ ok: false, records: 4, brokenCount: 20 });
      expect(!result.ok && result.broken.map((broken) => broken.sequence)).toEqual([5, 6, 7, 8]);
    });

    test('cross-checks AUDIT_PERSON and the fields: a row added, removed or altered is reported', async () => {
      await scratch.raw(AUDIT_TABLES.person).insert({ sequence: 4, person_id: '0000000099' }); // added
      await scratch.raw(AUDIT_TABLES.person).where({ sequence: 9 }).delete(); // removed
      await scratch.raw(AUDIT_TABLES.person).where({ sequence: 12 }).update({ person_id: '0000000077' }); // altered
      // A record naming a field set has no AUDIT_FIELD rows of its own; one added is a forgery.
      await scratch.raw(AUDIT_TABLES.field).insert({ sequence: 15, coordinate: 'Resident.name', granted: true, policy: null }); // added
      // Its set unnamed: the record would drop out of every by-field lookup.
      await scratch.raw(AUDIT_TABLES.log).where({ sequence: 21 }).update({ field_set: null }); // removed
      await scratch.raw(AUDIT_TABLES.person).insert({ sequence: RECORDS + 5, person_id: '0000000001' }); // beyond the chain
      expect(await store.verify({ chunkSize: 8 })).toMatchObject({
        ok: false,
        records: 3,
        brokenCount: 6,
        broken: [
          { sequence: 4, reason: 'PERSON_ROWS' },
          { sequence: 9, reason: 'PERSON_ROWS' },
          { sequence: 12, reason: 'PERSON_ROWS' },
          { sequence: 15, reason: 'FIELD_ROWS' },
          { sequence: 21, reason: 'FIELD_ROWS' },
          { sequence: RECORDS + 5, reason: 'PERSON_ROWS' },
        ],
      });
    });

    test('a field set is stored once for every record naming it; a record pointed at another set, or a set changed, is reported at each record naming it', async () => {
      const [other] = await store.append([auditEntry({ requestId: 'other-set', grantedFields: ['Resident.name'], personIds: ['0000000031'] })]);
      expect(await store.verify()).toEqual({ ok: true, records: RECORDS + 1 });
      // 30 records of three fields and one of one field: two sets, four rows; no AUDIT_FIELD rows.
      expect(Number((await scratch.raw(AUDIT_TABLES.fieldSet).count({ n: '*' }))[0].n)).toBe(4);
      expect(Number((await scratch.raw(AUDIT_TABLES.field).count({ n: '*' }))[0].n)).toBe(0);
      const shared = String((await scratch.raw(AUDIT_TABLES.log).where({ sequence: 1 }).first()).field_set);
      const single = String((await scratch.raw(AUDIT_TABLES.log).where({ sequence: other.sequence }).first()).field_set);
      await scratch.raw(AUDIT_TABLES.log).where({ sequence: 5 }).update({ field_set: single }); // pointed at another set
      await scratch.raw(AUDIT_TABLES.fieldSet).insert({ field_set: single, position: 1, coordinate: 'Resident.individualNumber', granted: false, policy: 'mynumber' }); // a row added to a set
      expect(await store.verify()).toMatchObject({
        ok: false,
        brokenCount: 2,
        broken: [
          { sequence: 5, reason: 'FIELD_ROWS' },
          { sequence: other.sequence, reason: 'FIELD_ROWS' },
        ],
      });
      // The refused coordinate's policy altered in the shared set: every record naming it.
      await scratch.raw(AUDIT_TABLES.fieldSet).where({ field_set: shared, granted: false }).update({ policy: 'statistics' });
      const result = await store.verify({ chunkSize: 7 });
      expect(result).toMatchObject({ ok: false, records: 0, brokenCount: RECORDS + 1 });
      expect(!result.ok && new Set(result.broken.map((broken) => broken.reason))).toEqual(new Set(['FIELD_ROWS']));
    });

    test('a field set planted before any record names it makes that append fail (fail closed), not name the planted rows', async () => {
      const future = auditEntry({ requestId: 'future', grantedFields: ['Resident.birthDate'] });
      const planted = fieldSetOf(sideRows({ ...future, sequence: 0, recordedAt: '', previousHash: '', hash: '' }).fields)!;
      await scratch.raw(AUDIT_TABLES.fieldSet).insert({ ...planted.rows[0], coordinate: 'Resident.somethingElse' });
      await expect(store.append([future])).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: expect.stringContaining('tampered with') });
      expect((await store.head()).sequence).toBe(RECORDS);
      expect(await store.verify()).toEqual({ ok: true, records: RECORDS });
    });

    test('a field set lost whole (a restore, a failover) is written again by the next record naming it, and the records before verify again', async () => {
      const set = String((await scratch.raw(AUDIT_TABLES.log).where({ sequence: 1 }).first()).field_set);
      await scratch.raw(AUDIT_TABLES.fieldSet).where({ field_set: set }).delete();
      expect(await store.verify()).toMatchObject({ ok: false, brokenCount: RECORDS });
      const [next] = await store.append([auditEntry({ deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'mynumber' }] })]);
      expect(Number((await scratch.raw(AUDIT_TABLES.fieldSet).where({ field_set: set }).count({ n: '*' }))[0].n)).toBe(3);
      expect(await store.verify()).toEqual({ ok: true, records: next.sequence });
      expect((await store.query({ field: 'Resident.individualNumber' }, { first: 100 })).records).toHaveLength(RECORDS + 1);
    });

    test('a by-field page stops at the head read before its field-set lookup: a record appended meanwhile naming a new set is not skipped by the cursor', async () => {
      const real = auditQuery.lookUpField;
      const appended: AuditRecord[] = [];
      const spy = jest.spyOn(auditQuery, 'lookUpField').mockImplementation(async (db, coordinate) => {
        const answer = await real(db, coordinate);
        // Two appends commit between the lookup and the page: a new set holding the field, then a known one.
        appended.push(...(await store.append([auditEntry({ requestId: 'race-new', grantedFields: ['Resident.name', 'Resident.kana'] })])));
        appended.push(...(await store.append([auditEntry({ requestId: 'race-known', deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'mynumber' }] })])));
        return answer;
      });
      let page;
      try {
        page = await store.query({ field: 'Resident.name' }, { first: 10, after: String(RECORDS) });
      } finally {
        spy.mockRestore();
      }
      expect(page).toMatchObject({ records: [], hasNextPage: false });
      const next = await store.query({ field: 'Resident.name' }, { first: 10, after: String(RECORDS) });
      expect(next.records.map((record) => record.requestId)).toEqual(['race-new', 'race-known']);
      expect(appended).toHaveLength(2);
    });

    test('an anchor catches a chain cut back and a chain rewritten consistently, which the chain alone cannot', async () => {
      const anchor = await store.head();
      expect(anchor).toMatchObject({ sequence: RECORDS, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(await store.verify({ anchor })).toEqual({ ok: true, records: RECORDS });
      // A DBA cuts the last six records and moves the head back: the chain alone is intact.
      const kept = rowToRecord(await scratch.raw(AUDIT_TABLES.log).where({ sequence: 24 }).first());
      for (const table of [AUDIT_TABLES.log, AUDIT_TABLES.person, AUDIT_TABLES.field]) await scratch.raw(table).where('sequence', '>', 24).delete();
      await scratch.raw(AUDIT_TABLES.head).where({ id: 1 }).update({ sequence: 24, hash: kept.hash });
      expect(await store.verify()).toEqual({ ok: true, records: 24 });
      expect(await store.verify({ anchor })).toEqual({
        ok: false,
        records: 24,
        firstBroken: { sequence: RECORDS, reason: 'ANCHOR_MISMATCH' },
        broken: [{ sequence: RECORDS, reason: 'ANCHOR_MISMATCH' }],
        brokenCount: 1,
      });
    });

    test('an anchor catches a rewritten chain whose every hash was recomputed', async () => {
      const anchor = await store.head();
      // Record 10 changed, and it and every later record re-hashed and re-linked: self-consistent.
      let previousHash = rowToRecord(await scratch.raw(AUDIT_TABLES.log).where({ sequence: 9 }).first()).hash;
      for (let sequence = 10; sequence <= RECORDS; sequence++) {
        const record = rowToRecord(await scratch.raw(AUDIT_TABLES.log).where({ sequence }).first());
        const forged: AuditRecord = { ...record, previousHash, subject: sequence === 10 ? 'someone-else' : record.subject };
        forged.hash = recordHash(forged);
        const { occurred_ms: _ms, ...row } = recordToRow(forged);
        await scratch.raw(AUDIT_TABLES.log).where({ sequence }).update(row);
        previousHash = forged.hash;
      }
      await scratch.raw(AUDIT_TABLES.head).where({ id: 1 }).update({ hash: previousHash });
      expect(await store.verify()).toEqual({ ok: true, records: RECORDS });
      expect(await store.verify({ anchor })).toMatchObject({ ok: false, broken: [{ sequence: RECORDS, reason: 'ANCHOR_MISMATCH' }] });
    });
  });
});

describe('verify on SQLite: a value stored as a BLOB of the same bytes', () => {
  // SQLite holds a BLOB in a text column; it reads as the same text but no lookup's `=` matches
  // it, so each of these hid records from a lookup while verify called the trail intact.
  let scratch: ScratchAuditStore;
  beforeEach(async () => {
    scratch = await auditDialects()[0].open();
    expect(scratch.dialect).toBe('sqlite');
    await scratch.store.append([auditEntry({ personIds: ['0000000042'] }), auditEntry({ deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'mynumber' }] }), auditEntry()]);
    await dropAuditTriggers(scratch);
  });
  afterEach(async () => {
    await scratch.cleanup();
  });

  test.each([
    ["a record's field set name", 'update "AUDIT_LOG" set field_set = cast(field_set as blob) where sequence = 1', 'Resident.name', [{ sequence: 1, reason: 'FIELD_ROWS' }]],
    ["a field set's coordinate", `update "AUDIT_FIELD_SET" set coordinate = cast(coordinate as blob) where coordinate = 'Resident.individualNumber'`, 'Resident.individualNumber', [{ sequence: 2, reason: 'FIELD_ROWS' }]],
    ["a record's person id", 'update "AUDIT_PERSON" set person_id = cast(person_id as blob) where sequence = 1', null, [{ sequence: 1, reason: 'PERSON_ROWS' }]],
  ] as const)('%s is a break', async (_what, sql, field, broken) => {
    await scratch.raw.raw(sql);
    if (field) expect((await scratch.store.query({ field }, { first: 10 })).records.map((record) => record.sequence)).not.toContain(broken[0].sequence);
    else expect((await scratch.store.query({ personId: '0000000042' }, { first: 10 })).records).toEqual([]);
    expect(await scratch.store.verify()).toMatchObject({ ok: false, broken });
  });
});

describe('npm run audit:anchor and audit:verify --anchor', () => {
  let scratch: ScratchAuditStore;
  let dir: string;
  beforeAll(async () => {
    scratch = await auditDialects()[0].open();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-anchor-'));
    await scratch.store.append([auditEntry(), auditEntry(), auditEntry()]);
  });
  afterAll(async () => {
    await scratch.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('exports the head as a small JSON file (owner-only), and verify holds the chain to it', async () => {
    const file = path.join(dir, 'anchor.json');
    const exported = await script('audit-anchor.ts', ['--out', file], scratch.env);
    expect(exported.code).toBe(0);
    const anchor = parseAnchor(fs.readFileSync(file, 'utf8'));
    expect(anchor).toMatchObject({ format: 'ward-audit-anchor/1', sequence: 3, hash: (await scratch.store.head()).hash, dialect: 'sqlite' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // (verify against an intact chain with this anchor: the store-level tests above; two scripts here, they are slow to start.)
    // The chain cut back to record 2 (head moved with it): intact alone, broken against the anchor.
    await dropAuditTriggers(scratch);
    const second = rowToRecord(await scratch.raw(AUDIT_TABLES.log).where({ sequence: 2 }).first());
    for (const table of [AUDIT_TABLES.log, AUDIT_TABLES.person, AUDIT_TABLES.field]) await scratch.raw(table).where('sequence', '>', 2).delete();
    await scratch.raw(AUDIT_TABLES.head).where({ id: 1 }).update({ sequence: 2, hash: second.hash });
    const cut = await script('audit-verify.ts', ['--quiet', '--anchor', file], scratch.env);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/BROKEN at record 3: ANCHOR_MISMATCH/);
    expect(cut.stdout).toMatch(/1 broken record\(s\) in all/);
  }, 180_000);
});

/** A second connection to a trail's SQLite file, as its DBA (or an older version of the code) has. */
function scratchRaw(file: string): ReturnType<typeof knexFactory> {
  return knexFactory({ ...auditSqliteConfig(file), pool: { min: 0, max: 1 } });
}

describe('migrations 002 to 004 keep older trails verifiable', () => {
  test('a record written before the migration hashes as it did, and the chain goes on after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-migration-'));
    const file = path.join(dir, 'audit.sqlite');
    try {
      // The trail as the first migration left it, with one record the old code wrote.
      const old = knexFactory({ ...auditSqliteConfig(file), pool: { min: 0, max: 1 } });
      await old.migrate.up(auditMigratorConfig);
      const record = {
        kind: 'OPERATION', occurredAt: '2026-04-01T10:00:00+09:00', requestId: 'before-migration-1', subject: 'tanaka', department: 'citizen',
        roles: ['clerk'], purpose: 'resident-record', mfa: true, clientName: 'madoguchi', clientVersion: '1.2.0', caseReference: null,
        operationName: 'ResidentCard', operationHash: 'ab'.repeat(32), decision: 'GRANTED', grantedFields: ['Resident.name', 'Resident.address'],
        deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'mynumber' }], personIds: ['0000000001'], ruleVersion: 'rules-1', errorCodes: [], detail: null,
        sequence: 1, recordedAt: '2026-04-01T01:00:00.000Z', previousHash: GENESIS_HASH,
      } as const;
      // The hash the code before this migration computed for it (git show e78d3bd:lib/audit/chain.ts).
      const hash = 'd39f32141b7d8fdd23eb810511874441e72b2cb7f4f7c298eb8781a52cd673d5';
      const row = recordToRow({ ...record, roles: [...record.roles], grantedFields: [...record.grantedFields], deniedFields: [...record.deniedFields], personIds: [...record.personIds], errorCodes: [], hash });
      const oldColumns = Object.fromEntries(Object.entries(row).filter(([column]) => !/^(claimed_request_id|bulk_approval_id|usage_|masked_fields)/.test(column)));
      await old(AUDIT_TABLES.log).insert(oldColumns);
      await old(AUDIT_TABLES.person).insert({ sequence: 1, person_id: '0000000001' });
      await old(AUDIT_TABLES.field).insert([
        { sequence: 1, coordinate: 'Resident.name', granted: true, policy: null },
        { sequence: 1, coordinate: 'Resident.address', granted: true, policy: null },
        { sequence: 1, coordinate: 'Resident.individualNumber', granted: false, policy: 'mynumber' },
      ]);
      await old(AUDIT_TABLES.head).where({ id: 1 }).update({ sequence: 1, hash, recorded_at: record.recordedAt });
      await old.destroy();

      const store = await openAuditStore({ config: auditSqliteConfig(file) });
      try {
        const [stored] = (await store.query({}, { first: 1 })).records;
        expect(stored).not.toHaveProperty('usage');
        expect(recordHash(stored)).toBe(hash);
        await store.append([auditEntry({ usage: { estimatedCost: 10, costBudget: 100, rowsReturned: 1, personsReturned: 1 }, claimedRequestId: 'c-1' })]);
        expect(await store.verify()).toEqual({ ok: true, records: 2 });
        // By field, across both kinds of record: AUDIT_FIELD rows (before 004) and a field set (since).
        const found = async (field: string) => (await store.query({ field }, { first: 10 })).records.map((found) => found.sequence);
        expect(await found('Resident.name')).toEqual([1, 2]);
        expect(await found('Resident.individualNumber')).toEqual([1]);
        expect(await found('Resident.birthDate')).toEqual([]);
        // One page over both kinds: in order, each once, paged by the same cursor.
        const newestFirst = await store.query({ field: 'Resident.name' }, { first: 1, order: 'desc' });
        expect(newestFirst).toMatchObject({ records: [{ sequence: 2 }], hasNextPage: true, endCursor: '2' });
        expect(await store.query({ field: 'Resident.name' }, { first: 1, order: 'desc', after: '2' })).toMatchObject({ records: [{ sequence: 1 }], hasNextPage: false });
        expect(await store.query({ field: 'Resident.name' }, { first: 1, after: '1' })).toMatchObject({ records: [{ sequence: 2 }], hasNextPage: false });
        // The older record's AUDIT_FIELD rows stay append-only, and verify still checks them.
        const dba = scratchRaw(file);
        try {
          await expect(dba(AUDIT_TABLES.field).where({ sequence: 1 }).update({ policy: 'statistics' }).then()).rejects.toMatchObject({ message: expect.stringMatching(/append-only/) });
        } finally {
          await dba.destroy();
        }
      } finally {
        await store.close();
      }

      // Migration 004 undone: the records written since get AUDIT_FIELD rows (as the code before
      // reads them); done again: they are records with AUDIT_FIELD rows, found and verified.
      const raw = scratchRaw(file);
      await raw.migrate.down(auditMigratorConfig);
      expect((await raw(AUDIT_TABLES.field).where({ sequence: 2 }).orderBy('coordinate')).map((row: { coordinate: string }) => row.coordinate)).toEqual(['Resident.address', 'Resident.name']);
      await raw.destroy();
      const again = await openAuditStore({ config: auditSqliteConfig(file) });
      try {
        expect(await again.verify()).toEqual({ ok: true, records: 2 });
        expect((await again.query({ field: 'Resident.name' }, { first: 10 })).records.map((record) => record.sequence)).toEqual([1, 2]);
        // A changed AUDIT_FIELD row of an older record is a break.
        const tamper = scratchRaw(file);
        await tamper.raw('drop trigger "audit_field_no_update"');
        await tamper(AUDIT_TABLES.field).where({ sequence: 1, granted: false }).update({ policy: 'statistics' });
        await tamper.destroy();
        expect(await again.verify()).toMatchObject({ ok: false, broken: [{ sequence: 1, reason: 'FIELD_ROWS' }] });
      } finally {
        await again.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
