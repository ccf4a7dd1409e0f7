import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import type { AuditSink } from '../../gateway/audit';
import type { AuditEntryInput } from '../../lib/audit/types';
import { startFederation, type Federation } from '../support/federation';

/**
 * Revocation as the HR feed delivers it: a line added to policy/revocations.yaml while the
 * gateway runs. The user's next requests get 401 within seconds, with no restart and no call to
 * reload — the gateway watches the folder. Taking the line out again restores access.
 */

const QUERY = `query($id: ID!) { resident(id: $id) { id name { kanji } } }`;

async function statusWithin(federation: Federation, expected: number, timeoutMs: number): Promise<{ status: number; waitedMs: number }> {
  const started = Date.now();
  let status = 0;
  while (Date.now() - started < timeoutMs) {
    ({ status } = await federation.query('branch-clerk', QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber }));
    if (status === expected) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { status, waitedMs: Date.now() - started };
}

/** The gateway's audit trail in memory: the rule events it records. */
class RecordingSink implements AuditSink {
  entries: AuditEntryInput[] = [];
  async append(entries: AuditEntryInput[]) {
    this.entries.push(...entries);
    return entries;
  }
}

describe('a revocation takes effect within seconds, without a restart', () => {
  let federation: Federation;
  let policyDir: string;
  let original: string;
  const sink = new RecordingSink();

  beforeAll(async () => {
    policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-policy-'));
    fs.cpSync(path.resolve(__dirname, '..', '..', 'policy'), policyDir, { recursive: true });
    original = fs.readFileSync(path.join(policyDir, 'revocations.yaml'), 'utf8');
    federation = await startFederation({ policyDir, audit: sink });
  });
  afterAll(async () => {
    await federation?.stop();
    fs.rmSync(policyDir, { recursive: true, force: true });
  });

  test('branch-clerk is revoked by the HR feed, then reinstated', async () => {
    expect((await statusWithin(federation, 200, 1000)).status).toBe(200);

    // Written as the feed would: a new file swapped in atomically.
    const revoked = `${original.trimEnd()}\n  - subject: dev:branch-clerk\n    revokedAt: "2026-11-26T09:00:00+09:00"\n    reason: 異動 (synthetic)\n    approvedBy: 人事課 (synthetic)\n`;
    fs.writeFileSync(path.join(policyDir, 'revocations.yaml.tmp'), revoked);
    fs.renameSync(path.join(policyDir, 'revocations.yaml.tmp'), path.join(policyDir, 'revocations.yaml'));
    const afterRevocation = await statusWithin(federation, 401, 5000);
    expect(afterRevocation.status).toBe(401);
    console.log(`revocation honoured after ${afterRevocation.waitedMs} ms`);

    const { body, raw } = await federation.query('branch-clerk', QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber });
    expect(body.data ?? null).toBeNull();
    expect(raw).not.toContain('山田');

    fs.writeFileSync(path.join(policyDir, 'revocations.yaml'), original);
    expect((await statusWithin(federation, 200, 5000)).status).toBe(200);
  });

  test('a stray file that refused a reload, once deleted, does not keep a revocation from applying (issue 10)', async () => {
    const revocations = path.join(policyDir, 'revocations.yaml');
    const stray = path.join(policyDir, 'revocations-draft.yaml');
    const revoked = `${original.trimEnd()}\n  - subject: dev:branch-clerk\n    revokedAt: "2026-11-27T09:00:00+09:00"\n    reason: 退職 (synthetic)\n    approvedBy: 人事課 (synthetic)\n`;
    const rejections = () => sink.entries.filter((entry) => entry.kind === 'RULES_REJECTED').length;
    expect((await statusWithin(federation, 200, 1000)).status).toBe(200);
    const rejectedBefore = rejections();

    // The draft left in the folder: the folder no longer validates.
    fs.writeFileSync(stray, revoked);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The HR feed adds the user; the reload is refused (the stray file), the last good rules stay.
    fs.writeFileSync(`${revocations}.tmp`, revoked);
    fs.renameSync(`${revocations}.tmp`, revocations);
    const started = Date.now();
    while (rejections() === rejectedBefore && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rejections()).toBeGreaterThan(rejectedBefore);
    expect((await federation.query('branch-clerk', QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber })).status).toBe(200);

    // The stray file is deleted: the folder validates again, and the revocation applies.
    fs.unlinkSync(stray);
    const afterRecovery = await statusWithin(federation, 401, 5000);
    expect(afterRecovery.status).toBe(401);
    console.log(`revocation honoured ${afterRecovery.waitedMs} ms after the stray file was deleted`);
    await federation.gateway.auditWriter!.drain();
    expect(sink.entries).toContainEqual(
      expect.objectContaining({ kind: 'RULES_RELOADED', ruleVersion: federation.gateway.rules.current().version, detail: expect.stringMatching(/recovered after [0-9a-f]{64} was refused/) }),
    );
    expect(federation.gateway.rules.status().lastRejected).toBeUndefined();

    fs.writeFileSync(revocations, original);
    expect((await statusWithin(federation, 200, 5000)).status).toBe(200);
  });
});
