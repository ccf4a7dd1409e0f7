import fs from 'node:fs';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_SUPPORT_MEASURE } from '../../generator/fixtures';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import { SUPPORT_MEASURE_RESTRICTED_CODE, UNAUTHORIZED_FIELD_CODE } from '../../lib/authorization/types';
import type { SubgraphName } from '../../lib/subgraphs';
import type { GraphQLResult } from '../support/graphql';
import { startFederation, type Federation } from '../support/federation';
import { policyWithoutBulkBudgets } from '../support/policy-copy';
import { postToSubgraph } from '../support/gateway-identity';

/**
 * Issue 10, items 1, 2 and the cursor half of 4: the attacks of the review, replayed as they were
 * made, through the real gateway and subgraphs (and straight to the subgraphs where the rule must
 * hold without the gateway). Each fails on the code before the fix.
 */

let federation: Federation;
let store: AuditStore | undefined;
// These suites page the whole test register as one clerk: the bulk-output budgets (tested in
// bulk-output.test.ts) are raised so that they do not stand in the way.
const policyDir = policyWithoutBulkBudgets();

beforeAll(async () => {
  expect(process.env.WARD_AS_OF_DATE).toBe('2026-11-01');
  federation = await startFederation({ policyDir });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await federation?.stop();
  fs.rmSync(policyDir, { recursive: true, force: true });
});

type Edges = { edges: { cursor?: string; node: Record<string, any> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number };
const codes = (result: GraphQLResult) => (result.body.errors ?? []).map((error) => String(error.extensions?.code));

/** Every page of `residents` for a persona (1,000 a page), as the attacker paged them. */
async function everyPage(persona: string, selection: string): Promise<{ nodes: Record<string, any>[]; errors: GraphQLResult['body']['errors'][]; raw: string[]; totalCount: number }> {
  const nodes: Record<string, any>[] = [];
  const errors: GraphQLResult['body']['errors'][] = [];
  const raw: string[] = [];
  let after: string | null = null;
  let totalCount = 0;
  for (let page = 0; page < 50; page++) {
    const result: GraphQLResult<{ residents: Edges }> = await federation.query<{ residents: Edges }>(
      persona,
      `query Page($after: String) { residents(first: 1000, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${selection} } } } }`,
      { after },
    );
    raw.push(result.raw);
    if (result.body.errors) errors.push(result.body.errors);
    const connection = result.body.data!.residents;
    totalCount = connection.totalCount;
    nodes.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { nodes, errors, raw, totalCount };
}

describe('住民票コード is CS identity (item 1)', () => {
  test.each(['school-clerk', 'tax-clerk'])('%s pages residents { residentCode }: refused, no 住民票コード in the answer', async (persona) => {
    const result = await federation.query<Record<string, any>>(persona, '{ residents(first: 1000) { edges { node { residentCode } } } }');
    expect(result.status).toBe(200);
    // residentCode is non-null: its refusal (before planning) nulls the page; no 11-digit code anywhere.
    expect(codes(result)).toContain(UNAUTHORIZED_FIELD_CODE);
    expect(result.raw).not.toMatch(/\d{11}/);
    expect(result.body.data?.residents ?? null).toBeNull();
  });

  test.each(['school-clerk', 'tax-clerk'])('%s: residentByCode as a lookup is refused', async (persona) => {
    const result = await federation.query<Record<string, any>>(persona, `{ residentByCode(residentCode: "${FIXTURE_FIRST_RESIDENT.residentCode}") { id name { kanji } } }`);
    expect(result.body.data?.residentByCode ?? null).toBeNull();
    expect(codes(result)).toContain(UNAUTHORIZED_FIELD_CODE);
    expect(result.raw).not.toContain(FIXTURE_FIRST_RESIDENT.addressNumber);
  });

  test('the departments with CS identity still read it, and the planner still joins by it (identityInfo)', async () => {
    for (const persona of ['registry-clerk', 'branch-clerk', 'mynumber-officer']) {
      const result = await federation.query<Record<string, any>>(persona, `{ residentByCode(residentCode: "${FIXTURE_FIRST_RESIDENT.residentCode}") { id residentCode identityInfo { residentCode } } }`);
      expect([persona, result.body.errors]).toEqual([persona, undefined]);
      expect(result.body.data!.residentByCode).toEqual({
        id: FIXTURE_FIRST_RESIDENT.addressNumber,
        residentCode: FIXTURE_FIRST_RESIDENT.residentCode,
        identityInfo: { residentCode: FIXTURE_FIRST_RESIDENT.residentCode },
      });
    }
    // tax-clerk without residentCode: the person by 宛名番号 still works (no key join is needed).
    const tax = await federation.query<Record<string, any>>('tax-clerk', `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { id name { kanji } } }`);
    expect(tax.body.errors).toBeUndefined();
  });
});

describe('a DV victim is not located (items 1 and 2)', () => {
  const LOCATE = `{ resident(id: "${FIXTURE_SUPPORT_MEASURE.addressNumber}") { id address { full } familyRegister { domicile } certificateIssuances { office } myNumberCard { issuingOffice { name } } } }`;

  test.each(['branch-clerk', 'tax-clerk'])('%s: no 本籍, no office of issue, no card office — the person is refused as one unit', async (persona) => {
    const registry = await federation.query<Record<string, any>>('registry-clerk', LOCATE);
    const seen = registry.body.data!.resident;
    expect(seen.familyRegister.domicile).toContain('三軒茶屋');
    const offices = [...seen.certificateIssuances.map((c: { office: string }) => c.office), seen.myNumberCard?.issuingOffice?.name].filter(Boolean) as string[];
    expect(offices.length).toBeGreaterThan(0);

    const result = await federation.query<Record<string, any>>(persona, LOCATE);
    expect(result.body.data).toEqual({ resident: null });
    expect(result.body.errors!.filter((error) => error.extensions?.code === SUPPORT_MEASURE_RESTRICTED_CODE).map((error) => (error.path ?? []).join('.'))).toEqual(['resident']);
    expect(result.raw).not.toContain('三軒茶屋');
    for (const office of offices) expect(result.raw).not.toContain(office);
  });

  test('the refusal is in the audit record (errorCodes) and flagged in the anomaly report', async () => {
    const operationName = `LocateProtected${Date.now()}`;
    const result = await federation.query(
      'tax-clerk',
      `query ${operationName} { resident(id: "${FIXTURE_SUPPORT_MEASURE.addressNumber}") { id familyRegister { domicile } } }`,
    );
    expect(codes(result)).toEqual([SUPPORT_MEASURE_RESTRICTED_CODE]);
    await federation.gateway.auditWriter!.drain();
    store ??= await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
    const record = (await store.query({ kind: 'OPERATION' }, { first: 20, order: 'desc' })).records.find((candidate) => candidate.operationName === operationName)!;
    expect(record.errorCodes).toContain(SUPPORT_MEASURE_RESTRICTED_CODE);
    // The ward's clock may be a day ahead of UTC: a period of the days around it holds the record.
    const day = (offset: number) => new Date(Date.parse(record.occurredAt) + offset * 86_400_000).toISOString().slice(0, 10);
    const report = await federation.query<Record<string, any>>(
      'security-officer',
      `{ auditAnomalyReport(from: "${day(-1)}", to: "${day(1)}") { findings { kind subject recordSequences } } }`,
    );
    expect(report.body.errors).toBeUndefined();
    const flagged = report.body.data!.auditAnomalyReport.findings.filter((finding: { kind: string }) => finding.kind === 'PROTECTED_PERSON_READ');
    expect(flagged.flatMap((finding: { recordSequences: number[] }) => finding.recordSequences)).toContain(record.sequence);
  });

  // Straight to the subgraphs: the rule lives there, driven by the SDL's locating marks.
  const direct = async (subgraph: SubgraphName, persona: string, query: string, variables?: Record<string, unknown>) =>
    postToSubgraph({ name: subgraph, url: federation.subgraphs[subgraph].url }, query, variables, persona, { keysPath: federation.identityKeysPath });
  const restricted = (result: GraphQLResult) =>
    (result.body.errors ?? []).filter((error) => error.extensions?.code === SUPPORT_MEASURE_RESTRICTED_CODE).map((error) => (error.path ?? []).join('.')).sort();

  test('card-progress: the card office, events and reservation are withheld on the register\'s word (@requires), and when the word is missing', async () => {
    const CARD = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { myNumberCard { status issuingOffice { name } events { office { name } } reservation { office { name } } } } } }';
    // A person with a card office and a reservation (the register's word decides, whoever it is).
    const list = await federation.query<{ residents: Edges }>('registry-clerk', '{ residents(first: 500) { edges { node { id myNumberCard { issuingOffice { name } reservation { scheduledAt } } } } } }');
    const holder = list.body.data!.residents.edges.map((edge) => edge.node).find((node) => node.myNumberCard?.issuingOffice && node.myNumberCard?.reservation)!;
    expect(holder).toBeDefined();
    const representation = (locationWithheld?: boolean) => ({ r: [{ __typename: 'Resident', id: holder.id, ...(locationWithheld === undefined ? {} : { locationWithheld }) }] });
    const shown = await direct('card-progress', 'mynumber-officer', CARD, representation(false));
    expect(restricted(shown)).toEqual([]);
    const card = (shown.body.data as any)._entities[0].myNumberCard;
    expect(card.issuingOffice.name).toBe(holder.myNumberCard.issuingOffice.name);
    for (const withheld of [representation(true), representation()]) {
      const officer = await direct('card-progress', 'mynumber-officer', CARD, withheld);
      expect(restricted(officer)).toEqual(['_entities.0.myNumberCard.events', '_entities.0.myNumberCard.issuingOffice', '_entities.0.myNumberCard.reservation']);
      // events is a non-null list: its refusal nulls the card (the status goes with it).
      expect((officer.body.data as any)._entities[0].myNumberCard).toBeNull();
      expect(officer.raw).not.toContain(card.issuingOffice.name);
    }
    // The registry division (named in rowRules.supportMeasure) sees them whatever the word.
    expect(restricted(await direct('card-progress', 'registry-clerk', CARD, representation(true)))).toEqual([]);
  });

  test('residents and juki-cs _entities for branch-clerk: refused as one unit', async () => {
    const residents = await direct('residents', 'branch-clerk', 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { familyRegister { domicile } certificateIssuances { office } } } }', {
      r: [{ __typename: 'Resident', id: FIXTURE_SUPPORT_MEASURE.addressNumber }],
    });
    expect(restricted(residents)).toEqual(['_entities.0']);
    expect(residents.raw).not.toContain('三軒茶屋');
    const cs = await direct('juki-cs', 'branch-clerk', 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { identityInfo { address terminalId } } } }', {
      r: [{ __typename: 'Resident', residentCode: FIXTURE_SUPPORT_MEASURE.residentCode }],
    });
    expect(restricted(cs)).toEqual(['_entities.0']);
    expect(cs.raw).not.toContain('三軒茶屋');
  });
});

describe('no bulk view of who is protected (item 2)', () => {
  test('school-clerk pages residents { address { code } }: no SUPPORT_MEASURE_RESTRICTED anywhere; the protected persons are left out', async () => {
    const school = await everyPage('school-clerk', 'id address { code }');
    expect(school.errors.flat().map((error) => error!.extensions?.code)).toEqual([]);
    const registry = await everyPage('registry-clerk', 'id');
    const schoolIds = new Set(school.nodes.map((node) => node.id));
    const missing = registry.nodes.map((node) => node.id).filter((id) => !schoolIds.has(id));
    expect(missing).toEqual(expect.arrayContaining([FIXTURE_SUPPORT_MEASURE.addressNumber, FIXTURE_SUPPORT_MEASURE.childAddressNumber]));
    expect(school.totalCount).toBe(registry.totalCount - missing.length);
    expect(school.nodes).toHaveLength(school.totalCount);
    // Every one left out is withheld by the row rule, and nobody else is.
    const restrictedIds = await federation.subgraphs.residents.db; // (the register itself, through the adapter)
    const { findLocationRestrictions } = await import('../../subgraphs/residents/legacy/adapter');
    const flags = await findLocationRestrictions(restrictedIds, registry.nodes.map((node) => node.id), '2026-11-01');
    expect([...flags.keys()].sort()).toEqual([...missing].sort());
  });
});

describe('opaque cursors (item 4, the cursor half)', () => {
  const PAGE = 'query Page($after: String) { residents(first: 1000, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }';

  test('1,000 cursors of a page carry no 宛名番号, readable or base64-decoded', async () => {
    const result = await federation.query<{ residents: Edges }>('registry-clerk', PAGE, { after: null });
    const edges = result.body.data!.residents.edges;
    expect(edges).toHaveLength(1000);
    for (const { cursor, node } of edges) {
      const decoded = Buffer.from(cursor!, 'base64url').toString('latin1');
      expect(cursor).not.toContain(node.id);
      expect(decoded).not.toContain(node.id);
      expect(decoded).not.toContain('resident:');
    }
    expect(new Set(edges.map((edge) => edge.cursor)).size).toBe(1000);
  });

  test('pagination still works: the next page follows on, one statement a page (no count unless totalCount is selected)', async () => {
    federation.resetStatements();
    const first = await federation.query<{ residents: Edges }>('registry-clerk', PAGE, { after: null });
    expect(federation.statements.residents).toHaveLength(1);
    federation.resetStatements();
    const second = await federation.query<{ residents: Edges }>('registry-clerk', PAGE, { after: first.body.data!.residents.pageInfo.endCursor });
    expect(federation.statements.residents).toHaveLength(1);
    const ids1 = first.body.data!.residents.edges.map((edge) => edge.node.id);
    const ids2 = second.body.data!.residents.edges.map((edge) => edge.node.id);
    expect(ids2.length).toBeGreaterThan(0);
    expect(ids2[0] > ids1[ids1.length - 1]).toBe(true);
    // Any cursor of a page continues after its own row.
    const middle = first.body.data!.residents.edges[499].cursor!;
    const fromMiddle = await federation.query<{ residents: Edges }>('registry-clerk', PAGE, { after: middle });
    expect(fromMiddle.body.data!.residents.edges[0].node.id).toBe(ids1[500]);
  });

  test.each([
    ['a forged cursor (base64url of resident:<宛名番号>, the old format)', Buffer.from(`resident:${FIXTURE_SUPPORT_MEASURE.addressNumber}`).toString('base64url')],
    ['garbage', '!!!'],
    ['empty', ''],
    ['overlong', 'A'.repeat(10_000)],
  ])('%s → BAD_USER_INPUT / INVALID_CURSOR, no data', async (_label, after) => {
    const result = await federation.query<Record<string, any>>('registry-clerk', PAGE, { after });
    expect(result.status).toBeLessThan(500);
    expect(result.body.data?.residents ?? null).toBeNull();
    expect(result.body.errors!.map((error) => [error.extensions?.code, error.extensions?.reason])).toEqual([['BAD_USER_INPUT', 'INVALID_CURSOR']]);
  });

  test('a tampered cursor (one character changed) is refused, not decoded into another position', async () => {
    const result = await federation.query<{ residents: Edges }>('registry-clerk', PAGE, { after: null });
    const cursor = result.body.data!.residents.edges[10].cursor!;
    const position = 20;
    const tampered = cursor.slice(0, position) + (cursor[position] === 'A' ? 'B' : 'A') + cursor.slice(position + 1);
    const refused = await federation.query<Record<string, any>>('registry-clerk', PAGE, { after: tampered });
    expect(refused.body.errors!.map((error) => error.extensions?.reason)).toEqual(['INVALID_CURSOR']);
  });
});
