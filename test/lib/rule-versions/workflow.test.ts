import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { openAuditStore, type AuditStore } from '../../../lib/audit/store';
import { createLogger } from '../../../lib/logger';
import { changedFiles, compileFiles, versionOf, readFilesFromDir } from '../../../lib/rule-versions/files';
import { openRuleDatabase } from '../../../lib/rule-versions/open';
import { openVersionedRuleStore, type VersionedRuleStore } from '../../../lib/rule-versions/store-rule-store';
import { csvCell, fieldsCsv } from '../../../lib/rule-versions/views';
import { loadClassifications } from '../../../lib/rule-versions/decide';
import * as workflow from '../../../lib/rule-versions/workflow';
import { securityOfficer } from '../../support/security-officer';

/**
 * The two-officer workflow on the embedded default (SQLite, the audit database's file): files
 * the proposal left alone come from the rules in force when it is approved (a revocation made
 * meanwhile stays); a file changed on both sides is stale; the rule store of the same file picks
 * each version up. The API and two gateways on PostgreSQL: test/e2e/rule-versions.test.ts.
 */
describe('rule-version workflow (SQLite)', () => {
  let dir: string;
  let audit: AuditStore;
  let rules: VersionedRuleStore;
  let deps: workflow.WorkflowDeps;
  const officer = securityOfficer;
  const first = officer('dev:security-officer');
  const second = officer('dev:security-officer-2');
  const shipped = readFilesFromDir();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-versions-'));
    const file = path.join(dir, 'audit.sqlite');
    audit = await openAuditStore({ config: auditSqliteConfig(file) });
    rules = await openVersionedRuleStore({ db: openRuleDatabase({ AUDIT_DB_FILE: file }), logger: createLogger('rules', 'silent'), ownsDb: true, pollMs: 100 });
    deps = { versions: rules.versions, audit: (entries) => audit.append(entries), now: () => new Date() };
  });
  afterAll(async () => {
    rules?.stop();
    await audit?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a change approved after a revocation keeps the revocation; a file changed on both sides is stale', async () => {
    expect(rules.current().version).toBe(versionOf(shipped));
    const limits = `${shipped['limits.yaml']}\n# reviewed\n`;
    const change = await workflow.proposeChange(deps, first, { files: [{ name: 'limits.yaml', content: limits }], summary: 'limits reviewed' });
    const revocationDraft = await workflow.proposeChange(deps, first, { files: [{ name: 'revocations.yaml', content: `${shipped['revocations.yaml']}\n# draft\n` }], summary: 'draft' });
    const revoked = await workflow.revokeAccess(deps, second, { subject: 'dev:tax-clerk', reason: '退職' });
    expect(revoked.status).toBe('AWAITING_CONFIRMATION');
    await rules.refresh();
    expect(rules.current().revocations.has('dev:tax-clerk')).toBe(true);

    await expect(workflow.approve(deps, first, change.id)).rejects.toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN' });
    const applied = await workflow.approve(deps, second, change.id);
    expect(applied.status).toBe('APPLIED');
    expect(applied.appliedVersion).not.toBe(applied.proposedVersion);
    await rules.refresh();
    expect(rules.current().version).toBe(applied.appliedVersion);
    expect(rules.current().revocations.has('dev:tax-clerk')).toBe(true);
    expect((await rules.versions.version(applied.appliedVersion!))!.files['limits.yaml']).toBe(limits);

    await expect(workflow.approve(deps, second, revocationDraft.id)).rejects.toMatchObject({ code: 'RULE_PROPOSAL_STALE', extensions: { files: ['revocations.yaml'] } });
    expect((await rules.versions.proposal(revocationDraft.id))!.status).toBe('PENDING');
  });

  test('invalid files, an unchanged proposal and a second revocation of one user are refused; nothing is stored', async () => {
    const before = await rules.versions.proposals({}, 100, null);
    await expect(
      workflow.proposeChange(deps, first, { files: [{ name: 'policies.yaml', content: shipped['policies.yaml'].replace('departments: [taxation-division]', 'departments: [tax-divison]') }], summary: 'typo' }),
    ).rejects.toMatchObject({ code: 'RULE_FILES_INVALID', extensions: { issues: [expect.objectContaining({ file: 'policy/policies.yaml', message: expect.stringContaining('tax-divison') })] } });
    await expect(workflow.proposeChange(deps, first, { files: [{ name: 'policy.yaml', content: 'x' }], summary: 's' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const inForce = (await workflow.inForceVersion(rules.versions)).version;
    await expect(workflow.proposeChange(deps, first, { files: [{ name: 'roles.yaml', content: inForce.files['roles.yaml'] }], summary: 'same' })).rejects.toMatchObject({ code: 'RULE_PROPOSAL_UNCHANGED' });
    await expect(workflow.revokeAccess(deps, first, { subject: 'dev:tax-clerk', reason: 'again' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await rules.versions.proposals({}, 100, null)).proposals).toHaveLength(before.proposals.length);
  });

  test('the trail holds every step, in order, with the acting officer', async () => {
    const page = await audit.query({}, { first: 100 });
    expect(page.records.map((r) => `${r.kind} ${r.subject}`)).toEqual([
      'RULE_PROPOSED dev:security-officer',
      'RULE_PROPOSED dev:security-officer',
      'RULE_REVOKED dev:security-officer-2',
      'RULE_APPROVED dev:security-officer-2',
      'RULE_APPLIED dev:security-officer-2',
    ]);
    expect(page.records[4].detail).toContain('by dev:security-officer [information-security-office]');
  });

  test('two approvals of one proposal at once: one applies it, the other is refused, the trail has one approval', async () => {
    const inForce = (await workflow.inForceVersion(rules.versions)).version;
    const proposal = await workflow.proposeChange(deps, first, { files: [{ name: 'roles.yaml', content: `${inForce.files['roles.yaml']}\n# twice\n` }], summary: 'twice' });
    const results = await Promise.allSettled([workflow.approve(deps, second, proposal.id), workflow.approve(deps, second, proposal.id)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'RULE_PROPOSAL_NOT_PENDING' });
    const approvals = (await audit.query({ kind: 'RULE_APPROVED' }, { first: 100 })).records.filter((r) => r.detail?.includes(proposal.id));
    expect(approvals).toHaveLength(1);
  });

  test('a restore puts an earlier version\'s rules back and keeps the revocations in force; one that would only lift revocations is refused', async () => {
    const earlier = (await workflow.inForceVersion(rules.versions)).version;
    const limits = `${earlier.files['limits.yaml']}\n# before the restore\n`;
    const change = await workflow.proposeChange(deps, first, { files: [{ name: 'limits.yaml', content: limits }], summary: 'limits' });
    await workflow.approve(deps, second, change.id);
    const revocation = await workflow.revokeAccess(deps, first, { subject: 'dev:school-clerk', reason: '異動' });
    await workflow.approve(deps, second, revocation.id);

    // The insider's route: "restore the rules of last week" from a version before the revocation.
    const restore = await workflow.proposeRestore(deps, second, earlier.id, '元に戻す');
    expect(restore.changedFiles).toEqual(['limits.yaml']);
    const applied = await workflow.approve(deps, first, restore.id);
    expect(applied.status).toBe('APPLIED');
    expect(applied.appliedVersion).not.toBe(earlier.id);
    await rules.refresh();
    expect(rules.current().version).toBe(applied.appliedVersion);
    expect(rules.current().revocations.has('dev:school-clerk')).toBe(true);
    const version = (await rules.versions.version(applied.appliedVersion!))!;
    expect(version.origin).toBe('RESTORE');
    expect(version.files['limits.yaml']).toBe(earlier.files['limits.yaml']);

    // The earlier version now differs only in its revocations: nothing for a restore to do.
    await expect(workflow.proposeRestore(deps, second, earlier.id, 'again')).rejects.toMatchObject({ code: 'RULE_PROPOSAL_UNCHANGED', message: expect.stringContaining('revocations.yaml') });
    await expect(workflow.proposeRestore(deps, second, applied.appliedVersion!, 'in force')).rejects.toMatchObject({ code: 'RULE_PROPOSAL_UNCHANGED', message: expect.stringContaining('is the rules in force') });
    const trail = await audit.query({ kind: 'RULE_APPLIED' }, { first: 100, order: 'desc' });
    expect(trail.records[0]?.detail).toContain('with the revocations in force');
  });

  test('a restore proposal stored before restores kept the revocations (the earlier list in its files) keeps them too when approved now', async () => {
    const earlier = (await workflow.inForceVersion(rules.versions)).version;
    const change = await workflow.proposeChange(deps, first, { files: [{ name: 'limits.yaml', content: `${earlier.files['limits.yaml']}\n# stored restore\n` }], summary: 'limits' });
    await workflow.approve(deps, second, change.id);
    const revocation = await workflow.revokeAccess(deps, first, { subject: 'dev:pending-restore', reason: '異動' });
    await workflow.approve(deps, second, revocation.id);
    const base = (await workflow.inForceVersion(rules.versions)).version;
    // As the earlier code stored it: the earlier version's files whole, its revocations.yaml included.
    const stored = (files: typeof earlier.files) => ({
      id: randomUUID(), kind: 'RESTORE' as const, status: 'PENDING' as const, summary: '先週のルールに戻す', author: first.subject, authorDepartment: first.department,
      proposedAt: new Date().toISOString(), baseVersion: base.id, proposedVersion: versionOf(files), files, changedFiles: changedFiles(base.files, files), restoresVersion: earlier.id,
    });
    const restore = stored(earlier.files);
    await rules.versions.insertProposal(rules.versions.db, restore);
    const applied = await workflow.approve(deps, second, restore.id);
    await rules.refresh();
    expect(rules.current().version).toBe(applied.appliedVersion);
    expect(rules.current().revocations.has('dev:pending-restore')).toBe(true);
    expect((await rules.versions.version(applied.appliedVersion!))!.files['limits.yaml']).toBe(earlier.files['limits.yaml']);
    // One whose only difference is the revocation list has nothing to apply, and stays pending.
    const onlyRevocations = stored({ ...base.files, 'revocations.yaml': earlier.files['revocations.yaml'] });
    await rules.versions.insertProposal(rules.versions.db, onlyRevocations);
    await expect(workflow.approve(deps, second, onlyRevocations.id)).rejects.toMatchObject({ code: 'RULE_PROPOSAL_UNCHANGED' });
    expect((await rules.versions.proposal(onlyRevocations.id))!.status).toBe('PENDING');
    expect(rules.current().revocations.has('dev:pending-restore')).toBe(true);
  });

  test('a revocation keeps the file readable: comments and the entries before it stay', () => {
    const text = workflow.withRevocation(shipped['revocations.yaml'], { subject: 'dev:x', revokedAt: '2026-12-04T10:00:00+09:00', reason: '異動', approvedBy: 'pending' });
    expect(text).toContain('# revocations.yaml');
    expect(text).toContain('subject: dev:revoked-clerk');
    expect(compileFiles({ ...shipped, 'revocations.yaml': text }).revocations.has('dev:x')).toBe(true);
  });

  test('CSV cells are quoted as RFC 4180 says, and a cell cannot start a spreadsheet formula', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "x"')).toBe('"say ""x"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    const csv = fieldsCsv(compileFiles(shipped), loadClassifications());
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows.every((row) => !/^[=+\-@]/.test(row))).toBe(true);
    // registry, mynumber, tax, and the tax counter's masked grant (policies.yaml)
    expect(rows.filter((row) => row.startsWith('Resident.individualNumber,'))).toHaveLength(4);
  });
});
