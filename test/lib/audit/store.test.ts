import path from 'node:path';
import { GENESIS_HASH, canonicalJson, canonicalRecordJson, recordHash } from '../../../lib/audit/chain';
import { auditDatabaseConfig } from '../../../lib/audit/config';
import { appendOnlyTriggerNames } from '../../../lib/audit/migrations';
import { openAuditStore, type AuditStore } from '../../../lib/audit/store';
import type { AuditRecord } from '../../../lib/audit/types';
import { auditDialects, auditEntry, dropAuditTriggers, type ScratchAuditStore } from '../../support/audit-store';

/** The message a refused statement fails with ('' when it went through). Errors from the SQLite
 *  driver come from another realm than jest's, so `rejects.toThrow` does not see them as errors. */
async function refusal(statement: PromiseLike<unknown>): Promise<string> {
  try {
    await statement;
    return '';
  } catch (error) {
    return String((error as { message?: unknown }).message ?? error);
  }
}

describe('canonical JSON and the record hash', () => {
  it('sorts keys, keeps list order, drops nothing but undefined', () => {
    expect(canonicalJson({ b: [2, 1], a: { d: null, c: '宛名' }, e: true })).toBe('{"a":{"c":"宛名","d":null},"b":[2,1],"e":true}');
  });

  it('writes a record as canonicalJson does, also for odd shapes', () => {
    const record = { ...auditEntry({ deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'individual-number' }], mfa: null }), sequence: 7, recordedAt: '2026-04-01T01:00:00.000Z', previousHash: GENESIS_HASH };
    expect(canonicalRecordJson(record)).toBe(canonicalJson(record));
    const reordered = { ...record, deniedFields: [{ policy: 'p', coordinate: 'c' }] };
    expect(canonicalRecordJson(reordered)).toBe(canonicalJson(reordered));
    const extra = { ...record, variables: { a: 1 } };
    expect(canonicalRecordJson(extra as never)).toBe(canonicalJson(extra));
    expect(canonicalRecordJson({ ...record, hash: 'x' } as AuditRecord)).toBe(canonicalJson(record));
  });

  it('hashes the record without its hash, previousHash included', () => {
    const record = { ...auditEntry(), sequence: 1, recordedAt: '2026-04-01T01:00:00.000Z', previousHash: GENESIS_HASH };
    const hash = recordHash(record);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recordHash({ ...record, hash } as AuditRecord)).toBe(hash);
    expect(recordHash({ ...record, previousHash: '1'.repeat(64) })).not.toBe(hash);
  });
});

describe('audit configuration', () => {
  it('defaults to data/audit.sqlite and takes pg from AUDIT_DB_URL', () => {
    expect(auditDatabaseConfig({})).toMatchObject({ client: 'better-sqlite3', connection: { filename: expect.stringMatching(/data[/\\]audit\.sqlite$/) } });
    expect(auditDatabaseConfig({ AUDIT_DB_FILE: '/tmp/x.sqlite' })).toMatchObject({ connection: { filename: '/tmp/x.sqlite' } });
    expect(auditDatabaseConfig({ AUDIT_DB_CLIENT: 'pg', AUDIT_DB_URL: 'postgres://h/db' })).toMatchObject({ client: 'pg', connection: { connectionString: 'postgres://h/db' } });
    expect(() => auditDatabaseConfig({ AUDIT_DB_CLIENT: 'pg' })).toThrow(/AUDIT_DB_URL/);
    expect(() => auditDatabaseConfig({ AUDIT_DB_CLIENT: 'mysql' })).toThrow(/better-sqlite3 or pg/);
  });
});

describe.each(auditDialects())('audit store on $name', ({ open }) => {
  let scratch: ScratchAuditStore;
  let store: AuditStore;
  beforeEach(async () => {
    scratch = await open();
    store = scratch.store;
  });
  afterEach(async () => {
    await scratch.cleanup();
  });

  it('appends in order, chaining each record to its predecessor', async () => {
    const first = await store.append([auditEntry({ requestId: 'a' })]);
    const more = await store.append([auditEntry({ requestId: 'b', mfa: null, subject: null }), auditEntry({ requestId: 'c', decision: 'DENIED' })]);
    const records = [...first, ...more];
    expect(records.map((r) => [r.sequence, r.requestId])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    expect(records[0].previousHash).toBe(GENESIS_HASH);
    expect(records[1].previousHash).toBe(records[0].hash);
    expect(records[2].previousHash).toBe(records[1].hash);
    for (const record of records) expect(recordHash(record)).toBe(record.hash);
    expect(await store.verify()).toEqual({ ok: true, records: 3 });
    // What comes back from the database is what was hashed.
    const page = await store.query({}, { first: 10 });
    expect(page.records).toEqual(records);
  });

  it('stores exactly the contract fields (extra keys are not kept, so they cannot break the hash)', async () => {
    const [record] = await store.append([{ ...auditEntry(), variables: { secret: 1 } } as never]);
    expect(Object.keys(record).sort()).toEqual(
      ['caseReference', 'clientName', 'clientVersion', 'decision', 'deniedFields', 'department', 'detail', 'errorCodes', 'grantedFields', 'hash', 'kind', 'mfa', 'occurredAt', 'operationHash', 'operationName', 'personIds', 'previousHash', 'purpose', 'recordedAt', 'requestId', 'roles', 'ruleVersion', 'sequence', 'subject'].sort(),
    );
  });

  it('refuses an invalid entry without writing anything of the call', async () => {
    await expect(store.append([auditEntry(), auditEntry({ decision: 'MAYBE' as never })])).rejects.toThrow(/decision/);
    await expect(store.append([auditEntry({ occurredAt: 'yesterday' })])).rejects.toThrow(/occurredAt/);
    await expect(store.append([auditEntry({ personIds: [1 as never] })])).rejects.toThrow(/personIds/);
    expect(await store.verify()).toEqual({ ok: true, records: 0 });
    expect(await store.append([])).toEqual([]);
  });

  it('makes one unbroken chain of 200 parallel append calls', async () => {
    const calls = Array.from({ length: 200 }, (_, i) => store.append(i % 5 === 0 ? [auditEntry({ requestId: `p${i}a` }), auditEntry({ requestId: `p${i}b` })] : [auditEntry({ requestId: `p${i}` })]));
    const results = await Promise.all(calls);
    const sequences = results.flat().map((r) => r.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    // A call's own records are consecutive, in the order given.
    for (const records of results.filter((r) => r.length === 2)) {
      expect(records[1].sequence).toBe(records[0].sequence + 1);
      expect(records[0].requestId.endsWith('a') && records[1].requestId.endsWith('b')).toBe(true);
    }
    expect(await store.verify()).toEqual({ ok: true, records: 240 });
  });

  it('makes one chain when two stores (two gateway processes) append to the same database at once', async () => {
    const other = await scratch.openAnother();
    const calls: Promise<AuditRecord[]>[] = [];
    for (let i = 0; i < 100; i++) {
      calls.push(store.append([auditEntry({ requestId: `one-${i}` })]));
      calls.push(other.append([auditEntry({ requestId: `two-${i}` })]));
    }
    const records = (await Promise.all(calls)).flat();
    expect(new Set(records.map((r) => r.sequence)).size).toBe(200);
    expect(Math.max(...records.map((r) => r.sequence))).toBe(200);
    expect(await store.verify()).toEqual({ ok: true, records: 200 });
  });

  it('has the database refuse UPDATE and DELETE of records (triggers)', async () => {
    await store.append([auditEntry(), auditEntry({ deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'individual-number' }] })]);
    const { raw } = scratch;
    expect(await refusal(raw('AUDIT_LOG').where({ sequence: 1 }).update({ subject: 'someone-else' }))).toMatch(/append-only/);
    expect(await refusal(raw('AUDIT_LOG').where({ sequence: 2 }).delete())).toMatch(/append-only/);
    expect(await refusal(raw('AUDIT_LOG').delete())).toMatch(/append-only/);
    expect(await refusal(raw('AUDIT_PERSON').delete())).toMatch(/append-only/);
    expect(await refusal(raw('AUDIT_PERSON').update({ person_id: '0000000009' }))).toMatch(/append-only/);
    // A record's fields are its field set's rows (migration 004), shared by every record naming it.
    expect(await refusal(raw('AUDIT_FIELD_SET').update({ granted: true }))).toMatch(/append-only/);
    expect(await refusal(raw('AUDIT_FIELD_SET').delete())).toMatch(/append-only/);
    expect(await refusal(raw('AUDIT_CHAIN_HEAD').update({ sequence: 1 }))).toMatch(/only moves forward/);
    expect(await refusal(raw('AUDIT_CHAIN_HEAD').delete())).toMatch(/append-only/);
    if (scratch.dialect === 'postgresql') {
      expect(await refusal(raw.raw('truncate "AUDIT_LOG"'))).toMatch(/append-only/);
      expect(await refusal(raw.raw('truncate "AUDIT_PERSON"'))).toMatch(/append-only/);
      expect(await refusal(raw.raw('truncate "AUDIT_FIELD_SET"'))).toMatch(/append-only/);
    }
    expect(await store.verify()).toEqual({ ok: true, records: 2 });
    expect((await raw('AUDIT_LOG').count({ n: '*' }))[0].n).toEqual(scratch.dialect === 'sqlite' ? 2 : '2');
  });

  it('puts dropped triggers back when the store opens again', async () => {
    await dropAuditTriggers(scratch);
    const reopened = await openAuditStore({ config: scratch.config });
    try {
      expect(reopened.repairedTriggers.sort()).toEqual(appendOnlyTriggerNames(scratch.dialect).map((t) => t.name).sort());
    } finally {
      await reopened.close();
    }
    await store.append([auditEntry()]);
    expect(await refusal(scratch.raw('AUDIT_LOG').delete())).toMatch(/append-only/);
  });

  it('is healthy while open, not after close, and refuses appends once closed', async () => {
    expect(await store.healthy()).toBe(true);
    const other = await openAuditStore({ config: scratch.config });
    await other.close();
    expect(await other.healthy()).toBe(false);
    await expect(other.append([auditEntry()])).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: expect.stringMatching(/closed/) });
  });

  it('on a read-only database: opens, reads, is not healthy, and refuses appends with AUDIT_UNAVAILABLE (no SQL, no values)', async () => {
    await store.append([auditEntry()]);
    const readOnly = await scratch.openReadOnly();
    expect(await readOnly.verify()).toEqual({ ok: true, records: 1 });
    expect(await readOnly.healthy()).toBe(false);
    const error = await readOnly.append([auditEntry({ personIds: ['0000004711'] })]).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error).toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(error!.message).toMatch(/^audit store: append failed: /);
    expect(error!.message).not.toMatch(/0000004711|insert|AUDIT_LOG/);
    expect(await store.verify()).toEqual({ ok: true, records: 1 });
  });

  it('fails to open an unreachable store with AUDIT_UNAVAILABLE', async () => {
    // SQLite: a path under a plain file (not a directory).
    const config = scratch.dialect === 'sqlite'
      ? { client: 'better-sqlite3', connection: { filename: path.join(__filename, 'audit.sqlite') }, useNullAsDefault: true }
      : {
          client: 'pg',
          connection: { connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 },
          pool: { min: 0, max: 1 },
          acquireConnectionTimeout: 3000,
          log: { warn() {}, error() {}, debug() {}, deprecate() {} },
        };
    await expect(openAuditStore({ config })).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
  });

  describe('query', () => {
    beforeEach(async () => {
      await store.append([
        auditEntry({ requestId: 'q1', subject: 'tanaka', department: 'citizen', personIds: ['0000000001', '0000000002'], occurredAt: '2026-04-01T09:00:00+09:00' }),
        auditEntry({ requestId: 'q2', subject: 'suzuki', department: 'tax', decision: 'PARTIAL', personIds: ['0000000002'], grantedFields: ['Resident.name'], deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'individual-number' }], occurredAt: '2026-04-01T12:00:00+09:00' }),
        auditEntry({ requestId: 'q3', subject: 'suzuki', department: 'tax', decision: 'DENIED', personIds: [], grantedFields: [], deniedFields: [{ coordinate: 'Resident.individualNumber', policy: 'individual-number' }], occurredAt: '2026-04-02T23:30:00+09:00' }),
        auditEntry({ requestId: 'q4', kind: 'RULES_RELOADED', subject: null, department: null, roles: [], decision: 'GRANTED', personIds: [], grantedFields: [], occurredAt: '2026-04-03T00:00:00Z', detail: 'policy/policies.yaml version 7' }),
        auditEntry({ requestId: 'q5', subject: 'tanaka', department: 'citizen', decision: 'REFUSED', personIds: [], grantedFields: [], errorCodes: ['CASE_REFERENCE_REQUIRED'], occurredAt: '2026-04-04T08:00:00+09:00' }),
      ]);
    });
    const ids = (page: { records: AuditRecord[] }) => page.records.map((r) => r.requestId);

    it('filters by user, department, decision and kind', async () => {
      expect(ids(await store.query({ subject: 'suzuki' }, { first: 10 }))).toEqual(['q2', 'q3']);
      expect(ids(await store.query({ department: 'citizen' }, { first: 10 }))).toEqual(['q1', 'q5']);
      expect(ids(await store.query({ decision: 'DENIED' }, { first: 10 }))).toEqual(['q3']);
      expect(ids(await store.query({ decision: ['DENIED', 'REFUSED'] }, { first: 10 }))).toEqual(['q3', 'q5']);
      expect(ids(await store.query({ kind: 'RULES_RELOADED' }, { first: 10 }))).toEqual(['q4']);
      expect(ids(await store.query({ subject: 'suzuki', decision: 'PARTIAL' }, { first: 10 }))).toEqual(['q2']);
    });

    it('filters by person and by field (granted or refused)', async () => {
      expect(ids(await store.query({ personId: '0000000002' }, { first: 10 }))).toEqual(['q1', 'q2']);
      expect(ids(await store.query({ personId: '0000000009' }, { first: 10 }))).toEqual([]);
      expect(ids(await store.query({ field: 'Resident.individualNumber' }, { first: 10 }))).toEqual(['q2', 'q3']);
      expect(ids(await store.query({ field: 'Resident.address' }, { first: 10 }))).toEqual(['q1']);
      expect(ids(await store.query({ field: 'Resident.name', personId: '0000000002' }, { first: 10 }))).toEqual(['q1', 'q2']);
    });

    it('filters by period [from, to), whatever the offset', async () => {
      expect(ids(await store.query({ from: '2026-04-01T03:00:00Z', to: '2026-04-03T00:00:00Z' }, { first: 10 }))).toEqual(['q2', 'q3']);
      expect(ids(await store.query({ from: '2026-04-03T09:00:00+09:00' }, { first: 10 }))).toEqual(['q4', 'q5']);
      await expect(store.query({ from: 'last week' }, { first: 10 })).rejects.toThrow(/ISO 8601/);
    });

    it('pages with first/after, oldest first or newest first', async () => {
      const one = await store.query({}, { first: 2 });
      expect(ids(one)).toEqual(['q1', 'q2']);
      expect(one.hasNextPage).toBe(true);
      const two = await store.query({}, { first: 2, after: one.endCursor });
      expect(ids(two)).toEqual(['q3', 'q4']);
      const three = await store.query({}, { first: 2, after: two.endCursor });
      expect(ids(three)).toEqual(['q5']);
      expect(three.hasNextPage).toBe(false);
      const empty = await store.query({}, { first: 2, after: three.endCursor });
      expect(empty).toEqual({ records: [], hasNextPage: false, endCursor: null });
      const newest = await store.query({ subject: 'tanaka' }, { first: 1, order: 'desc' });
      expect(ids(newest)).toEqual(['q5']);
      expect(ids(await store.query({ subject: 'tanaka' }, { first: 1, order: 'desc', after: newest.endCursor }))).toEqual(['q1']);
      await expect(store.query({}, { first: 0 })).rejects.toThrow(/first/);
      await expect(store.query({}, { first: 5000 })).rejects.toThrow(/first/);
      await expect(store.query({}, { first: 1, after: 'abc' })).rejects.toThrow(/cursor/);
    });
  });
});
