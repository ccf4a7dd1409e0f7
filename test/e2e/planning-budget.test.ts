import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditRecord } from '../../lib/audit/types';
import { DEFAULT_PLANNING_BUDGET, QUERY_PLAN_TOO_COMPLEX_CODE } from '../../gateway/authorization';
import { startFederation, type Federation } from '../support/federation';

/**
 * Bounded planning (issue 9, item 2), through the real gateway, planner, subgraphs and audit
 * store. The review's attack: `branch-clerk` sends aliases of `resident(id:)`, each nesting 6
 * hops of `id identityInfo { residentCode resident { … } }`. The audit's person key was injected
 * as `_auditId: id` under every Resident, and @apollo/query-planner does not recognise an
 * aliased key field as the key (README "Planning budget"): 3 options per Resident reached in
 * juki-cs, the product evaluated — 12.2 s of blocked event loop for 5 aliases, more than 120 s
 * for 50. Asserted in work, never in time: plans evaluated (the planner's own
 * `evaluatedPlanCount`), plans built, subgraph fetches, SQL statements.
 */

jest.setTimeout(60_000);

const ID = FIXTURE_FIRST_RESIDENT.addressNumber;

/** `id identityInfo { residentCode resident { … } }`, `hops` deep, with `key` as the Resident's key selection. */
function hops(count: number, key = 'id'): string {
  return count === 0 ? key : `${key} identityInfo { residentCode resident { ${hops(count - 1, key)} } }`;
}

function attack(aliases: number, key = 'id'): string {
  return `query Nested { ${Array.from({ length: aliases }, (_, index) => `a${index}: resident(id: "${ID}") { ${hops(6, key)} }`).join(' ')} }`;
}

/** The `id` six hops down one alias's chain. */
function deepest(node: Record<string, any>): unknown {
  let current = node;
  for (let hop = 0; hop < 6; hop += 1) current = current['identityInfo']['resident'];
  return current['id'];
}

describe('bounded planning', () => {
  let federation: Federation;
  let store: AuditStore;

  beforeAll(async () => {
    federation = await startFederation();
    store = await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
  });

  afterAll(async () => {
    await store?.close();
    await federation?.stop();
  });

  const stats = () => federation.gateway.authorization.stats();

  async function recordOf(requestId: string): Promise<AuditRecord> {
    const page = await store.query({}, { first: 1000 });
    let records = page.records;
    for (let after = page.endCursor, more = page.hasNextPage; more; ) {
      const next = await store.query({}, { first: 1000, after });
      records = records.concat(next.records);
      after = next.endCursor;
      more = next.hasNextPage;
    }
    const found = records.filter((record) => record.requestId === requestId);
    expect(found).toHaveLength(1);
    return found[0];
  }

  test('the replay (5 aliases × 6 hops, branch-clerk): one plan evaluated, planned once, answered, the person in the trail', async () => {
    const before = stats();
    const result = await federation.query('branch-clerk', attack(5));
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    const data = result.body.data as Record<string, Record<string, any>>;
    for (let index = 0; index < 5; index += 1) {
      expect(data[`a${index}`]['id']).toBe(ID);
      expect(deepest(data[`a${index}`])).toBe(ID);
    }
    expect(result.raw).not.toMatch(/_audit|_authz/);
    const after = stats();
    expect(after.plansBuilt - before.plansBuilt).toBe(1);
    // Before: 9,000+ plans evaluated (the planner's cap is 10,000 by default).
    expect(after.plansEvaluated - before.plansEvaluated).toBeLessThanOrEqual(1);
    expect(after.plansRefused).toBe(before.plansRefused);
    // 1 + 5 × 7 subgraph fetches: within the budget.
    const record = await recordOf(result.response.headers.get('x-request-id')!);
    expect(record.personIds).toEqual([ID]);

    // The same operation by the same profile: decided and planned once.
    const again = await federation.query('branch-clerk', attack(5));
    expect(again.status).toBe(200);
    expect(stats().plansBuilt).toBe(after.plansBuilt);
    expect(stats().decisions).toBe(after.decisions);
  });

  test('50 aliases × 6 hops: one plan evaluated; its 351 subgraph fetches are over budget: 400 before any subgraph call', async () => {
    // The planner gives every alias of a root field its own chain of fetches (7 each).
    const before = stats();
    federation.resetStatements();
    const result = await federation.query('branch-clerk', attack(50));
    expect(result.status).toBe(400);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors![0].extensions?.code).toBe(QUERY_PLAN_TOO_COMPLEX_CODE);
    expect(result.body.errors![0].extensions?.['plan']).toEqual({ evaluatedPlans: 1, fetches: 351 });
    expect(result.raw).not.toContain(ID);
    const after = stats();
    expect(after.plansBuilt - before.plansBuilt).toBe(1);
    // Before: the planner's cap of 10,000 plans, each over a 1,250-field operation (> 120 s).
    expect(after.plansEvaluated - before.plansEvaluated).toBe(1);
    expect(after.plansRefused - before.plansRefused).toBe(1);
    for (const name of ['residents', 'juki-cs', 'intermediate', 'card-progress'] as const) expect(federation.statements[name]).toHaveLength(0);

    // The gateway answers the next request.
    const next = await federation.query('branch-clerk', `{ resident(id: "${ID}") { residentCode } }`);
    expect(next.status).toBe(200);
    expect(next.body.data!.resident).toEqual({ residentCode: FIXTURE_FIRST_RESIDENT.residentCode });
  });

  test('a client that aliases the key field itself gets 400 QUERY_PLAN_TOO_COMPLEX, before any subgraph call; recorded; not planned again', async () => {
    const before = stats();
    federation.resetStatements();
    const result = await federation.query('branch-clerk', attack(5, 'key: id'));
    expect(result.status).toBe(400);
    expect(result.body.data ?? null).toBeNull();
    expect(result.body.errors).toHaveLength(1);
    const [error] = result.body.errors!;
    expect(error.extensions?.code).toBe(QUERY_PLAN_TOO_COMPLEX_CODE);
    expect(error.extensions?.['budget']).toEqual(DEFAULT_PLANNING_BUDGET);
    const plan = error.extensions?.['plan'] as { evaluatedPlans: number; fetches: number };
    expect(plan.evaluatedPlans).toBeGreaterThan(DEFAULT_PLANNING_BUDGET.evaluatedPlans);
    // The planner stopped at its cap (twice the budget), not at its default of 10,000.
    expect(plan.evaluatedPlans).toBeLessThanOrEqual(2 * DEFAULT_PLANNING_BUDGET.evaluatedPlans);
    expect(result.raw).not.toContain(ID);
    expect(federation.statements.residents).toHaveLength(0);
    expect(federation.statements['juki-cs']).toHaveLength(0);
    const after = stats();
    expect(after.plansBuilt - before.plansBuilt).toBe(1);
    expect(after.plansRefused - before.plansRefused).toBe(1);
    const record = await recordOf(result.response.headers.get('x-request-id')!);
    expect(record.errorCodes).toEqual([QUERY_PLAN_TOO_COMPLEX_CODE]);
    expect(record.decision).toBe('REFUSED');

    // Again: refused from the plan store, without planning again.
    const again = await federation.query('branch-clerk', attack(5, 'key: id'));
    expect(again.status).toBe(400);
    expect(stats().plansBuilt).toBe(after.plansBuilt);
    expect(stats().plansEvaluated).toBe(after.plansEvaluated);
    expect(stats().plansRefused - after.plansRefused).toBe(1);

    // And the gateway answers the next request.
    const next = await federation.query('branch-clerk', `{ resident(id: "${ID}") { id residentCode } }`);
    expect(next.status).toBe(200);
    expect(next.body.data!.resident).toEqual({ id: ID, residentCode: FIXTURE_FIRST_RESIDENT.residentCode });
  });

  test('a client that uses `id` for another field of Resident: the key falls back to an alias, the answer and the trail stay right', async () => {
    const result = await federation.query('branch-clerk', `{ resident(id: "${ID}") { id: residentCode name { kanji } } }`);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ resident: { id: FIXTURE_FIRST_RESIDENT.residentCode, name: { kanji: FIXTURE_FIRST_RESIDENT.name } } });
    const record = await recordOf(result.response.headers.get('x-request-id')!);
    expect(record.personIds).toEqual([ID]);
  });
});
