import { openRuleDatabase } from '../../../lib/rule-versions/open';
import { RuleVersionStore } from '../../../lib/rule-versions/version-store';
import type * as Workflow from '../../../lib/rule-versions/workflow';
import { auditDialects, type ScratchAuditStore } from '../../support/audit-store';
import { securityOfficer } from '../../support/security-officer';

/**
 * Two audit-subgraph processes deciding at once (docs/production.md: "one or more"), played by two
 * copies of the workflow module (each with its own in-process queue) on one database: officer A
 * approves a change while officer B, on the other replica, revokes a user between A's reading of
 * the rules in force and A's writing. Before, A put in force its files merged over the rules it had
 * read, and the revocation was gone from the rules in force while listed as awaiting confirmation.
 */
function workflowCopy(): typeof Workflow {
  let copy: typeof Workflow | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<typeof Workflow>('../../../lib/rule-versions/workflow');
  });
  return copy!;
}

describe.each(auditDialects().map((dialect) => [dialect.name, dialect] as const))('two replicas deciding at once (%s)', (_name, dialect) => {
  let scratch: ScratchAuditStore;
  let versions: RuleVersionStore;
  const officer = securityOfficer;

  let strictVersions: RuleVersionStore | undefined;
  const sharedVersions = () => versions;

  beforeAll(async () => {
    scratch = await dialect.open();
    versions = new RuleVersionStore(openRuleDatabase(scratch.env));
    await versions.prepare();
    if (dialect.name === 'postgresql') {
      const url = new URL(scratch.env.AUDIT_DB_URL!);
      url.searchParams.set('options', `${url.searchParams.get('options')} -c default_transaction_isolation=repeatable\\ read`);
      strictVersions = new RuleVersionStore(openRuleDatabase({ ...scratch.env, AUDIT_DB_URL: url.toString() }));
      expect((await strictVersions.db.raw('SHOW default_transaction_isolation')).rows[0].default_transaction_isolation).toBe('repeatable read');
    }
  });
  afterAll(async () => {
    await strictVersions?.db.destroy();
    await versions?.db.destroy();
    await scratch?.cleanup();
  });

  test("a revocation made on one replica while the other approves a change stays in force; the approval applies over it or is refused as stale, never over the rules it had read", async () => {
    const replicaA = workflowCopy();
    const replicaB = workflowCopy();
    const deps: Workflow.WorkflowDeps = { versions, audit: (entries) => scratch.store.append(entries), now: () => new Date() };
    const before = (await replicaA.inForceVersion(versions)).version;
    const change = await replicaA.proposeChange(deps, officer('dev:security-officer'), { files: [{ name: 'limits.yaml', content: `${before.files['limits.yaml']}\n# reviewed\n` }], summary: 'limits' });

    // Replica B revokes while replica A records its approval (between A's read and A's write).
    let revoking: Promise<unknown> | undefined;
    const recordingA: Workflow.WorkflowDeps = {
      ...deps,
      audit: async (entries) => {
        revoking ??= replicaB.revokeAccess(deps, officer('dev:security-officer-3'), { subject: 'dev:school-clerk', reason: '退職' });
        // Long enough for B to finish unless it waits for A.
        await new Promise((resolve) => setTimeout(resolve, 300));
        return deps.audit(entries);
      },
    };
    const first = await replicaA.approve(recordingA, officer('dev:security-officer-2'), change.id).then(
      (proposal) => proposal.status,
      (error: { code?: string }) => error.code,
    );
    await revoking;
    if (dialect.name === 'postgresql') {
      // The replicas take turns (advisory lock): A applied over the rules it read, then B revoked.
      expect(first).toBe('APPLIED');
    } else {
      // One file without a cross-process lock: A is refused, changes nothing, and goes through again.
      expect(first).toBe('RULE_PROPOSAL_STALE');
      expect((await versions.proposal(change.id))!.status).toBe('PENDING');
      expect((await replicaA.approve(deps, officer('dev:security-officer-2'), change.id)).status).toBe('APPLIED');
    }
    const inForce = (await replicaA.inForceVersion(versions)).version;
    expect(inForce.files['revocations.yaml']).toContain('dev:school-clerk');
    expect(inForce.files['limits.yaml']).toContain('# reviewed');
  });

  if (dialect.name === 'postgresql')
    test("the lock's connection lost during a step: the step still completes and says so (its lock went with the connection)", async () => {
      const replica = workflowCopy();
      const deps: Workflow.WorkflowDeps = { versions, audit: (entries) => scratch.store.append(entries), now: () => new Date() };
      const before = (await replica.inForceVersion(versions)).version;
      const change = await replica.proposeChange(deps, officer('dev:security-officer'), { files: [{ name: 'limits.yaml', content: `${before.files['limits.yaml']}\n# lock lost\n` }], summary: 'limits' });
      let terminated = 0;
      const losingLock: Workflow.WorkflowDeps = {
        ...deps,
        audit: async (entries) => {
          // This schema's workflow lock only (other suites may hold theirs): the backend holding it goes.
          // (waiting up to 5 s until it is gone: a connection half-ended would go back to the pool)
          const killed = await scratch.raw.raw("SELECT pg_terminate_backend(pid, 5000) AS gone FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid::bigint = (hashtext(current_schema() || ':rule-workflow')::bigint & 4294967295)");
          terminated += (killed.rows as unknown[]).length;
          return deps.audit(entries);
        },
      };
      const approved = await replica.approve(losingLock, officer('dev:security-officer-2'), change.id);
      expect(terminated).toBe(1);
      expect(approved.status).toBe('APPLIED');
      expect((await versions.inForce())!.versionId).toBe(approved.appliedVersion);
    });

  test('two write transactions putting a version in force over the same one: the second to commit is refused, even without the lock and whatever the default isolation', async () => {
    // PostgreSQL: on a database whose default is REPEATABLE READ (writeTransaction sets READ COMMITTED).
    const versions = strictVersions ?? sharedVersions();
    const head = (await versions.inForce())!;
    const entry = (appliedBy: string) => ({ versionId: head.versionId, appliedAt: new Date().toISOString(), appliedBy, proposalId: null });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const firstWrote = new Promise<void>((resolve) => (written = resolve));
    const first = versions.writeTransaction(async (trx) => {
      const done = await versions.putInForce(trx, entry('dev:first'), head.sequence);
      written();
      await held;
      return done;
    });
    await firstWrote;
    // SQLite: one connection, so the second waits for the first; PostgreSQL: it waits on the head row.
    const second = versions.writeTransaction((trx) => versions.putInForce(trx, entry('dev:second'), head.sequence));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    expect([await first, await second]).toEqual([true, false]);
    expect((await versions.inForce())!.sequence).toBe(head.sequence + 1);
  });
});
