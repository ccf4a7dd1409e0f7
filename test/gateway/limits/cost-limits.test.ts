import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, type OperationDefinitionNode } from 'graphql';
import type { AuditSink } from '../../../gateway/audit';
import { WORKLOADS } from '../../../scripts/bench/workloads';
import { DEFAULT_POLICY_DIR, POLICY_FILE_NAMES } from '../../../lib/policy/files';
import type { AuditEntryInput } from '../../../lib/audit/types';
import { SUBGRAPH_NAMES } from '../../../lib/subgraphs';
import { startFederation, type Federation } from '../../support/federation';

/** Keeps what the gateway would append to the trail (the usage member is what is checked here). */
class CapturingSink implements AuditSink {
  readonly entries: AuditEntryInput[] = [];
  async append(entries: AuditEntryInput[]) {
    this.entries.push(...entries);
    return entries;
  }
}

/** Issue 9's attack, exactly: school-clerk, residents(first: 1000), household.members nested 5 levels. */
const NESTED_MEMBERS = `{ residents(first: 1000) { edges { node { id household { members { id household { members { id household { members { id household { members { id household { members { id name { kanji } } } } } } } } } } } } } } }`;

let federation: Federation;
let policyDir: string;
const sink = new CapturingSink();
const statementCount = () => SUBGRAPH_NAMES.reduce((sum, name) => sum + federation.statements[name].length, 0);
const entryOf = (status: { response: Response }) => sink.entries.find((entry) => entry.requestId === status.response.headers.get('x-request-id'));

beforeAll(async () => {
  policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-limits-policy-'));
  for (const name of POLICY_FILE_NAMES) fs.copyFileSync(path.join(DEFAULT_POLICY_DIR, name), path.join(policyDir, name));
  federation = await startFederation({ policyDir, audit: sink });
}, 120_000);

afterAll(async () => {
  await federation?.stop();
  fs.rmSync(policyDir, { recursive: true, force: true });
});

describe('cost analysis before planning (policy/limits.yaml budgets)', () => {
  test("issue 9's attack: school-clerk's 1,000 residents with household members nested 5 levels is refused with COST_LIMIT_EXCEEDED, 0 subgraph calls, audited", async () => {
    federation.resetStatements();
    const before = sink.entries.length;
    const result = await federation.query('school-clerk', NESTED_MEMBERS);
    expect(result.status).toBe(400);
    expect(result.body.data ?? null).toBeNull();
    expect(result.body.errors).toHaveLength(1);
    const [error] = result.body.errors!;
    expect(error.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', costBudget: 200000, limitProfile: 'counter-clerk' });
    // 1 + 1,000 × (edge + node + household + 10 members × (member + household + 10 × (…))), README's figure.
    expect(error.extensions!['estimatedCost']).toBe(222_223_001);
    expect(error.message).toContain('200000');
    // Nothing reached a subgraph: no statement anywhere.
    expect(statementCount()).toBe(0);
    // Refused, audited with the estimate and the budget, no rows.
    const entry = sink.entries.slice(before).find((candidate) => candidate.errorCodes.includes('COST_LIMIT_EXCEEDED'));
    expect(entry).toBeDefined();
    expect(entry!.subject).toBeTruthy();
    expect(entry!.usage).toMatchObject({ costBudget: 200000, rowsReturned: 0, personsReturned: 0 });
    expect(entry!.decision).toBe('REFUSED');
    expect(entry!.usage!.estimatedCost).toBe(error.extensions!['estimatedCost']);
    expect(entry!.personIds).toEqual([]);
    // The gateway answers the next request (the clerk's simple one) as usual.
    const next = await federation.query('school-clerk', '{ residents(first: 1) { edges { node { id } } } }');
    expect(next.status).toBe(200);
    expect(next.body.errors).toBeUndefined();
  });

  test('variations: two levels of nesting at first: 1000, aliases of a cheap page, and a fragment spread many times are each estimated and refused', async () => {
    // Two levels of members on 1,000 residents: 1 + 1,000 × (3 + 10 × (2 + 10 × 2)) = 223,001.
    const twoLevels = '{ residents(first: 1000) { edges { node { household { members { household { members { id name { kanji } } } } } } } } }';
    // 20 aliases of a 1,000-row page with household members: 20 × 13,001.
    const aliases = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: residents(first: 1000) { edges { node { household { members { id } } } } }`).join(' ')} }`;
    const fragments = `fragment P on Resident { household { members { movements { notifiedOn { iso } } } } }
      { residents(first: 200) { edges { node { ...P a: household { members { ...P } } } } } }`;
    federation.resetStatements();
    for (const query of [twoLevels, aliases, fragments]) {
      const result = await federation.query('registry-clerk', query);
      expect(result.status).toBe(400);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    }
    expect(statementCount()).toBe(0);
  });

  test('the estimate multiplies slicing arguments, sized fields and assumed sizes as the schema marks them', () => {
    const estimate = (query: string, variables: Record<string, unknown> = {}) => {
      const document = parse(query);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
      return federation.gateway.costEstimator.estimate(`test:${query}:${JSON.stringify(variables)}`, document, operation, variables);
    };
    // Scalars cost 0, objects 1.
    expect(estimate('{ resident(id: "1") { id name { kanji } } }')).toBe(2);
    // residents: the connection 1, edges sized by first (default 20) × (edge 1 + node 1).
    expect(estimate('{ residents { edges { node { id } } } }')).toBe(1 + 20 * 2);
    expect(estimate('query ($n: Int) { residents(first: $n) { edges { node { id } } } }', { n: 500 })).toBe(1 + 500 * 2);
    // household.members: @listSize(assumedSize: 10).
    expect(estimate('{ household(id: "1") { members { id } } }')).toBe(1 + 10);
    // @cost(weight: 20) on populationStatistics replaces its default 1.
    expect(estimate('{ populationStatistics { residentTotal } }')).toBe(20);
    // Fragments count where they are spread, and are measured once.
    expect(estimate('fragment F on Resident { name { kanji } } { a: resident(id: "1") { ...F } b: resident(id: "2") { ...F ...F } }')).toBe(2 + 3);
  });

  test('computed once per (operation, values of the variables that size its lists)', async () => {
    const query = 'query Page($first: Int, $filter: ResidentFilter) { residents(first: $first, filter: $filter) { edges { node { id } } } }';
    const before = federation.gateway.costEstimator.stats();
    await federation.query('registry-clerk', query, { first: 5 });
    await federation.query('registry-clerk', query, { first: 5, filter: { addressCode: '0101' } });
    await federation.query('registry-clerk', query, { first: 5, filter: { addressCode: '0102' } });
    await federation.query('registry-clerk', query, { first: 7 });
    const after = federation.gateway.costEstimator.stats();
    expect(after.computed - before.computed).toBe(2);
    expect(after.cached - before.cached).toBe(2);
  });

  test('every workload of the bench, (a)–(d) and (b) at its largest page, stays within its persona budget; the actual cost is recorded', async () => {
    for (const workload of WORKLOADS) {
      const queries = [workload.query, ...(workload.rows ? [workload.rows.query(workload.rows.max)] : [])];
      for (const query of queries) {
        const result = await federation.query(workload.persona, query, workload.variables);
        expect(result.body.errors?.map((error) => error.extensions?.code) ?? []).not.toContain('COST_LIMIT_EXCEEDED');
        expect(result.status).toBe(200);
        const entry = entryOf(result);
        expect(entry?.usage?.estimatedCost).toBeGreaterThan(0);
        expect(entry!.usage!.estimatedCost!).toBeLessThanOrEqual(entry!.usage!.costBudget!);
        expect(entry!.usage!.rowsReturned).toBeGreaterThan(0);
      }
    }
    // The README's figures: (a) one resident from four systems, (d) the dashboard aggregates.
    expect(entryOf(await federation.query('registry-clerk', WORKLOADS[0].query, WORKLOADS[0].variables))!.usage!.estimatedCost).toBe(8);
    expect(entryOf(await federation.query('dx-analyst', WORKLOADS[3].query))!.usage!.estimatedCost).toBe(160);
    // (b) at 100 rows: 100 persons returned, each with an edge, a node and 4 objects.
    const page = await federation.query('registry-clerk', WORKLOADS.find((w) => w.id === 'b')!.query);
    const usage = entryOf(page)!.usage!;
    expect(usage.personsReturned).toBe(100);
    expect(usage.estimatedCost).toBe(1 + 100 * 6);
    expect(usage.rowsReturned).toBeGreaterThanOrEqual(100 * 4);
    expect(usage.rowsReturned).toBeLessThanOrEqual(usage.estimatedCost!);
  });

  test('measure mode: an operation over budget is answered, and the estimate and the budget are recorded', async () => {
    const file = path.join(policyDir, 'limits.yaml');
    const original = fs.readFileSync(file, 'utf8');
    try {
      const measured = original.replace(/(- id: counter-clerk\n\s+roles: \[clerk\]\n\s+costBudget: )200000/, '$1100\n      costMode: measure');
      expect(measured).not.toBe(original);
      fs.writeFileSync(file, measured);
      expect(federation.gateway.rules.reload()).toMatchObject({ ok: true });
      const result = await federation.query('registry-clerk', '{ residents(first: 60) { edges { node { id } } } }');
      expect(result.status).toBe(200);
      expect((result.body.data as { residents: { edges: unknown[] } }).residents.edges).toHaveLength(60);
      expect(entryOf(result)!.usage).toMatchObject({ estimatedCost: 121, costBudget: 100, personsReturned: 60 });
      // Back to enforce: the same operation is refused.
      fs.writeFileSync(file, measured.replace('costMode: measure', 'costMode: enforce'));
      expect(federation.gateway.rules.reload()).toMatchObject({ ok: true });
      const refused = await federation.query('registry-clerk', '{ residents(first: 60) { edges { node { id } } } }');
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', estimatedCost: 121, costBudget: 100 });
    } finally {
      fs.writeFileSync(file, original);
      federation.gateway.rules.reload();
    }
  });
});
