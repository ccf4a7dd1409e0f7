import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_CHILD, FIXTURE_FEB29_COMMON_YEAR, FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { devSubject } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { DEFAULT_PLANNING_BUDGET } from '../../gateway/authorization/planning-budget';
import { auditSqliteConfig } from '../../lib/audit/config';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditEntryInput, AuditRecord } from '../../lib/audit/types';
import { personReferenceSeal } from '../../gateway/audit/register-attribution';
import { startFederation, type Federation } from '../support/federation';
import { postGraphQL } from '../support/graphql';

/**
 * The audit's person attribution off the critical path (issue 14, item 1), through the real
 * gateway, planner, subgraphs and trail.
 *
 * Workload (c) — a 4-information search of the CS — was two sequential subgraph fetches because
 * the audit named each match by 宛名番号, which the CS does not hold (`_auditPerson: resident
 * { id }`, juki-cs → residents). The federation here allows ONE fetch per plan
 * (planningBudget.subgraphFetches: 1): the old rewrite's plan is refused with
 * QUERY_PLAN_TOO_COMPLEX, the new one is answered by juki-cs alone. The record names each match
 * by 住民票コード; one PERSONS_ATTRIBUTED record per 住民票コード links it to the 宛名番号, and
 * the officers' personAccessHistory reads the two together (the anomaly report: test/lib/audit/anomalies.test.ts).
 *
 * A gateway that stopped before the link: the state it leaves (OPERATION records with references
 * that nothing links) is written into the trail as a gateway writes it; the sweep (at start and
 * every minute) writes the links, once.
 */

const FIRST = FIXTURE_FIRST_RESIDENT;
const CLERK = findPersona('registry-clerk')!;
const SEARCH = `query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: 10) { matches { residentCode name nameKana birthDate { iso } sex address } truncated } }`;
const CRITERIA = { criteria: { name: FIRST.name, birthDate: FIRST.birthIso } };

async function allRecords(store: AuditStore): Promise<AuditRecord[]> {
  const found: AuditRecord[] = [];
  let after: string | null = null;
  for (let more = true; more; ) {
    const page = await store.query({}, { first: 1000, after });
    found.push(...page.records);
    after = page.endCursor;
    more = page.hasNextPage;
  }
  return found;
}

async function recordsOf(store: AuditStore, requestId: string): Promise<AuditRecord[]> {
  return (await allRecords(store)).filter((record) => record.requestId === requestId);
}

/** A 住民票コード as the trail names it: sealed under the gateway's key (lib/audit/person-references.ts). */
function sealed(federation: Federation, code: string): string {
  return personReferenceSeal(federation.gateway.identitySigner).seal('residentCode', code);
}

/** The PERSONS_ATTRIBUTED records naming the sealed `code`. */
async function linksOf(federation: Federation, store: AuditStore, code: string): Promise<AuditRecord[]> {
  return (await allRecords(store)).filter((record) => record.kind === 'PERSONS_ATTRIBUTED' && record.personIds.includes(sealed(federation, code)));
}

/** What a gateway leaves when it stops after committing an operation's record and before its link. */
function unlinkedOperation(requestId: string, personIds: string[], minutesAgo: number, persona = CLERK): AuditEntryInput {
  return {
    kind: 'OPERATION',
    occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    requestId,
    subject: devSubject(persona),
    department: persona.department.id,
    roles: [...persona.roles],
    purpose: persona.defaultPurpose,
    mfa: persona.mfa,
    clientName: null,
    clientVersion: null,
    caseReference: null,
    operationName: null,
    operationHash: 'a'.repeat(64),
    decision: 'GRANTED',
    grantedFields: ['IdentityInfo.name', 'Query.identityByResidentCode'],
    deniedFields: [],
    personIds,
    ruleVersion: null,
    errorCodes: [],
    detail: null,
  };
}

describe('person attribution after the response', () => {
  let federation: Federation;
  let store: AuditStore;

  beforeAll(async () => {
    federation = await startFederation({ gateway: { planningBudget: { ...DEFAULT_PLANNING_BUDGET, subgraphFetches: 1 } } });
    store = await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
  });

  afterAll(async () => {
    await store?.close();
    await federation?.stop();
  });

  test('workload (c): one subgraph fetch; the record names the matches by 住民票コード, one link per code names the 宛名番号', async () => {
    const result = await federation.query<{ searchIdentity: { matches: { residentCode: string }[] } }>('registry-clerk', SEARCH, CRITERIA);
    // Before: 400 QUERY_PLAN_TOO_COMPLEX (two fetches: juki-cs, then residents for the 宛名番号).
    expect(result.body.errors).toBeUndefined();
    expect(result.status).toBe(200);
    expect(result.raw).not.toMatch(/_audit/);
    const codes = result.body.data!.searchIdentity.matches.map((match) => match.residentCode);
    expect(codes).toContain(FIRST.residentCode);

    await federation.gateway.attribution!.settled();
    await federation.gateway.auditWriter!.drain();
    const requestId = result.response.headers.get('x-request-id')!;
    const [operation] = await recordsOf(store, requestId);
    expect(operation.kind).toBe('OPERATION');
    expect(operation.personIds).toEqual(codes.map((code) => sealed(federation, code)).sort());
    // The trail holds no 住民票コード: only the sealed form.
    expect(JSON.stringify(await allRecords(store))).not.toContain(FIRST.residentCode);
    const links = await linksOf(federation, store, FIRST.residentCode);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({
      requestId,
      personIds: [sealed(federation, FIRST.residentCode), FIRST.addressNumber],
      subject: operation.subject,
      department: operation.department,
      purpose: operation.purpose,
      operationHash: operation.operationHash,
      detail: '住民票コード resolved to its 宛名番号 by the register',
    });
    expect(links[0].sequence).toBeGreaterThan(operation.sequence);
    await expect(store.verify()).resolves.toMatchObject({ ok: true });
  });

  test('a person searched again is linked once: the register is not asked again, no second link is written', async () => {
    const before = federation.gateway.attribution!.stats.calls;
    const token = await federation.token('registry-clerk');
    federation.resetStatements();
    // Four waves of five at once: concurrent searches of one person, and never more in progress
    // than one clerk may have (policy/limits.yaml: 8; twenty at once were refused 429 on a busy machine).
    const results = [];
    for (let wave = 0; wave < 4; wave++) {
      results.push(...(await Promise.all(Array.from({ length: 5 }, () => postGraphQL(federation.gatewayUrl, SEARCH, CRITERIA, { authorization: `Bearer ${token}` })))));
    }
    expect(results.map((result) => result.status)).toEqual(results.map(() => 200));
    await federation.gateway.attribution!.settled();
    await federation.gateway.auditWriter!.drain();
    // Before: one call to the register (one SQL statement) and one record per request: 20 each.
    expect(federation.gateway.attribution!.stats.calls).toBe(before);
    expect(federation.statements.residents).toHaveLength(0);
    expect(await linksOf(federation, store, FIRST.residentCode)).toHaveLength(1);
    for (const result of results) {
      const kinds = (await recordsOf(store, result.response.headers.get('x-request-id')!)).map((record) => record.kind);
      expect(kinds).toEqual(['OPERATION']);
    }
  });

  test("new persons of one clerk's concurrent searches are resolved together: one call to the register", async () => {
    const token = await federation.token('registry-clerk');
    await federation.gateway.attribution!.settled();
    const before = federation.gateway.attribution!.stats.calls;
    const byCode = 'query ($code: String!) { identityByResidentCode(residentCode: $code) { name } }';
    const results = await Promise.all(
      [FIXTURE_CHILD, FIXTURE_FEB29_COMMON_YEAR].map((person) => postGraphQL(federation.gatewayUrl, byCode, { code: person.residentCode }, { authorization: `Bearer ${token}` })),
    );
    expect(results.map((result) => result.status)).toEqual([200, 200]);
    await federation.gateway.attribution!.settled();
    expect(federation.gateway.attribution!.stats.calls - before).toBe(1);
    for (const person of [FIXTURE_CHILD, FIXTURE_FEB29_COMMON_YEAR]) expect((await linksOf(federation, store, person.residentCode)).map((link) => link.personIds)).toEqual([[sealed(federation, person.residentCode), person.addressNumber]]);
  });

  test("the officer's personAccessHistory lists the operation under the person's 宛名番号, not the link", async () => {
    const search = await federation.query('registry-clerk', SEARCH, CRITERIA);
    await federation.gateway.attribution!.settled();
    const history = await federation.query<{ personAccessHistory: { records: { requestId: string; kind: string }[] } }>(
      'security-officer',
      'query ($id: ID!) { personAccessHistory(personId: $id, first: 100) { records { requestId kind } } }',
      { id: FIRST.addressNumber },
    );
    expect(history.body.errors).toBeUndefined();
    const records = history.body.data!.personAccessHistory.records;
    expect(records).toContainEqual({ requestId: search.response.headers.get('x-request-id'), kind: 'OPERATION' });
    expect(records.some((record) => record.kind === 'PERSONS_ATTRIBUTED')).toBe(false);
  });
});

describe('a gateway that stopped between the operation record and the link', () => {
  test('the sweep links what it left: one link per 住民票コード, unresolvable ones recorded as such, nothing twice', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attribution-crash-'));
    const auditFile = path.join(dir, 'audit.sqlite');
    const federation = await startFederation({ auditFile });
    const store = await openAuditStore({ config: auditSqliteConfig(auditFile) });
    const ref = (code: string) => sealed(federation, code);
    try {
      // What a gateway that stopped before linking leaves in the trail (written as it writes them).
      await store.append([
        unlinkedOperation('crashed-1', [ref(FIRST.residentCode)], 5),
        // Named again by a later request before the stop: still one link.
        unlinkedOperation('crashed-1-again', [ref(FIRST.residentCode)], 4),
        // A code the register does not hold: linked to nothing, not retried forever.
        unlinkedOperation('crashed-2', [ref('39999999999')], 5),
        // Named by 宛名番号 already: nothing to do.
        unlinkedOperation('direct', [FIXTURE_CHILD.addressNumber], 5),
        // Revoked since: the register refuses the caller (401); the link says so instead of waiting forever.
        unlinkedOperation('revoked-since', [ref(FIXTURE_FEB29_COMMON_YEAR.residentCode)], 5, findPersona('revoked-clerk')!),
        // Younger than the sweep's 30 s: still its own request's to link.
        unlinkedOperation('in-flight', [ref(FIXTURE_CHILD.residentCode)], 0),
      ]);
      await federation.gateway.attribution!.sweep();
      await federation.gateway.auditWriter!.drain();
      expect((await linksOf(federation, store, FIRST.residentCode)).map((link) => [link.requestId, link.personIds])).toEqual([['crashed-1', [ref(FIRST.residentCode), FIRST.addressNumber]]]);
      expect(await linksOf(federation, store, '39999999999')).toEqual([
        expect.objectContaining({ personIds: [ref('39999999999')], detail: '住民票コード not resolved: not in the register' }),
      ]);
      expect(await linksOf(federation, store, FIXTURE_FEB29_COMMON_YEAR.residentCode)).toEqual([
        expect.objectContaining({ personIds: [ref(FIXTURE_FEB29_COMMON_YEAR.residentCode)], detail: expect.stringContaining('the register refused the caller (residents answered 401') }),
      ]);
      expect(await linksOf(federation, store, FIXTURE_CHILD.residentCode)).toEqual([]);

      // Another sweep finds nothing left: no second link.
      await federation.gateway.attribution!.sweep();
      await federation.gateway.auditWriter!.drain();
      expect(await linksOf(federation, store, FIRST.residentCode)).toHaveLength(1);
      expect(federation.gateway.attribution!.stats).toMatchObject({ swept: 3 });
      // The person's history: both operations that named the person by 住民票コード.
      const history = await store.query({ personId: FIRST.addressNumber }, { first: 100 });
      expect(history.records.map((record) => [record.requestId, record.kind])).toEqual([
        ['crashed-1', 'OPERATION'],
        ['crashed-1-again', 'OPERATION'],
      ]);
      await expect(store.verify()).resolves.toMatchObject({ ok: true });
    } finally {
      await store.close();
      await federation.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
