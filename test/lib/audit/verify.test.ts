import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { recordHash } from '../../../lib/audit/chain';
import { rowToRecord, type AuditBreak, type AuditStore } from '../../../lib/audit/store';
import { auditDialects, auditEntry, dropAuditTriggers, type ScratchAuditStore } from '../../support/audit-store';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..', '..');

/** npm run audit:verify against a store; its exit code and output. */
async function auditVerify(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'audit-verify.ts'), '--quiet'], { env, cwd: ROOT });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

/** A chain with exactly one break: the first is the only one listed. */
function brokenOnce(records: number, first: AuditBreak) {
  return { ok: false, records, firstBroken: first, broken: [first], brokenCount: 1 };
}

describe.each(auditDialects())('audit:verify on $name', ({ open }) => {
  let scratch: ScratchAuditStore;
  let store: AuditStore;
  const RECORDS = 30;
  beforeEach(async () => {
    scratch = await open();
    store = scratch.store;
    // Several appends of several sizes, so the chain crosses transactions.
    for (let i = 0; i < RECORDS; i += 3) {
      await store.append([0, 1, 2].map((j) => auditEntry({ requestId: `v${i + j}`, personIds: [`00000000${String(i + j).padStart(2, '0')}`] })));
    }
  });
  afterEach(async () => {
    await scratch.cleanup();
  });

  /** As the attacker: triggers dropped first, then the statements run on the raw connection. */
  async function tamper(...statements: [string, unknown[]][]): Promise<void> {
    await dropAuditTriggers(scratch);
    for (const [sql, bindings] of statements) await scratch.raw.raw(sql, bindings as never);
  }

  async function storedRecord(sequence: number) {
    return rowToRecord(await scratch.raw('AUDIT_LOG').where({ sequence }).first());
  }

  it('finds an intact chain intact, in chunks, with progress', async () => {
    const progress: number[] = [];
    expect(await store.verify({ chunkSize: 7, onProgress: ({ verified, total }) => progress.push(verified * 1000 + total) })).toEqual({ ok: true, records: RECORDS });
    expect(progress).toEqual([7, 14, 21, 28, 30].map((v) => v * 1000 + RECORDS));
  });

  it('names a changed record (HASH_MISMATCH)', async () => {
    await tamper(['update "AUDIT_LOG" set subject = ? where sequence = ?', ['someone-else', 17]]);
    expect(await store.verify({ chunkSize: 5 })).toEqual(brokenOnce(16, { sequence: 17, reason: 'HASH_MISMATCH' }));
  });

  it('names a changed list inside a record (a person removed from personIds)', async () => {
    await tamper(['update "AUDIT_LOG" set person_ids = ? where sequence = ?', ['[]', 4]]);
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: { sequence: 4, reason: 'HASH_MISMATCH' } });
  });

  it('names a deleted record (SEQUENCE_GAP)', async () => {
    await tamper(['delete from "AUDIT_LOG" where sequence = ?', [12]]);
    expect(await store.verify({ chunkSize: 5 })).toEqual(brokenOnce(11, { sequence: 12, reason: 'SEQUENCE_GAP' }));
  });

  it('names deleted records at the end of the chain (the head remembers them)', async () => {
    await tamper(['delete from "AUDIT_LOG" where sequence > ?', [27]]);
    const gap = [28, 29, 30].map((sequence) => ({ sequence, reason: 'SEQUENCE_GAP' }));
    expect(await store.verify()).toEqual({ ok: false, records: 27, firstBroken: gap[0], broken: gap, brokenCount: 3 });
  });

  it('names a reordered record (SEQUENCE_ORDER): two records swapped places', async () => {
    await tamper(
      ['update "AUDIT_LOG" set sequence = ? where sequence = ?', [-1, 8]],
      ['update "AUDIT_LOG" set sequence = ? where sequence = ?', [8, 9]],
      ['update "AUDIT_LOG" set sequence = ? where sequence = ?', [9, -1]],
    );
    const swapped = [8, 9].map((sequence) => ({ sequence, reason: 'SEQUENCE_ORDER' }));
    expect(await store.verify()).toEqual({ ok: false, records: 7, firstBroken: swapped[0], broken: swapped, brokenCount: 2 });
  });

  it('names a broken link (CHAIN_BROKEN): a record rewritten with a recomputed hash', async () => {
    // The attacker knows the algorithm: changes record 20 and gives it a hash that fits its new
    // content. The record is self-consistent; record 21 no longer links to it.
    const record = await storedRecord(20);
    const forged = { ...record, subject: 'someone-else' };
    await tamper(['update "AUDIT_LOG" set subject = ?, hash = ? where sequence = ?', ['someone-else', recordHash(forged), 20]]);
    expect(await store.verify()).toEqual(brokenOnce(20, { sequence: 21, reason: 'CHAIN_BROKEN' }));
  });

  it('names a record whose link was rewritten (CHAIN_BROKEN at that record)', async () => {
    const record = await storedRecord(5);
    const forged = { ...record, previousHash: 'f'.repeat(64) };
    await tamper(['update "AUDIT_LOG" set previous_hash = ?, hash = ? where sequence = ?', [forged.previousHash, recordHash(forged), 5]]);
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: { sequence: 5, reason: 'CHAIN_BROKEN' } });
  });

  it('names a record inserted beyond the chain head', async () => {
    const last = await storedRecord(RECORDS);
    const extra = { ...last, sequence: RECORDS + 1, requestId: 'forged', previousHash: last.hash };
    const hash = recordHash(extra);
    const row = await scratch.raw('AUDIT_LOG').where({ sequence: RECORDS }).first();
    await scratch.raw('AUDIT_LOG').insert({ ...row, sequence: RECORDS + 1, request_id: 'forged', previous_hash: last.hash, hash });
    expect(await store.verify()).toEqual(brokenOnce(RECORDS, { sequence: RECORDS + 1, reason: 'CHAIN_BROKEN' }));
  });

  it('npm run audit:verify: exit 0 on an intact trail, 1 naming the first broken record', async () => {
    const intact = await auditVerify(scratch.env);
    expect(intact.stdout).toMatch(new RegExp(`audit trail intact: ${RECORDS} records`));
    expect(intact.code).toBe(0);
    await tamper(['update "AUDIT_LOG" set decision = ? where sequence = ?', ['DENIED', 3]], ['delete from "AUDIT_LOG" where sequence = ?', [9]]);
    const broken = await auditVerify(scratch.env);
    expect(broken.code).toBe(1); // broken; the dropped triggers are reported, and put back
    expect(broken.stdout).toMatch(/WARNING: append-only triggers were missing/);
    expect(broken.stdout).toMatch(/audit trail BROKEN at record 3: HASH_MISMATCH/);
  });
});
