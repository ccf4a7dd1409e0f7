import { isPersonReference } from '../../lib/audit/person-references';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditRecord } from '../../lib/audit/types';
import { devSubject } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { startFederation, type Federation } from '../support/federation';

/**
 * Completeness of the trail under concurrent load: 200 operations by 4 personas (lists, single
 * residents, 本人確認情報), all at once, through the real gateway, subgraphs and SQLite audit
 * store. Every individual number in any response body is matched by exactly one audit entry of
 * that request, naming that person (宛名番号, from the register), that user and that field.
 */

const PERSONAS = ['registry-clerk', 'branch-clerk', 'mynumber-officer', 'school-clerk'] as const;

async function allRecords(store: AuditStore): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.query({}, { first: 1000, after });
    records.push(...page.records);
    if (!page.hasNextPage) return records;
    after = page.endCursor;
  }
}

/** Every `individualNumber` value in a response body, with the type it was read from. */
function individualNumbers(value: unknown, parentType: 'Resident' | 'IdentityInfo', out: { number: string; coordinate: string }[] = []) {
  if (Array.isArray(value)) {
    for (const item of value) individualNumbers(item, parentType, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'individualNumber' && typeof child === 'string') out.push({ number: child, coordinate: `${parentType}.individualNumber` });
      else individualNumbers(child, key === 'identityInfo' || key.startsWith('identityBy') ? 'IdentityInfo' : key === 'resident' ? 'Resident' : parentType, out);
    }
  }
  return out;
}

describe('audit completeness under concurrent load', () => {
  let federation: Federation;
  let store: AuditStore;
  /** individual number → 宛名番号, and 住民票コード → 宛名番号, from the register. */
  const personOfNumber = new Map<string, string>();
  const residentCodes: string[] = [];
  const residentIds: string[] = [];

  beforeAll(async () => {
    federation = await startFederation();
    // The register, read once (this request is audited like any other).
    const { body } = await federation.query<{ residents: { edges: { node: { id: string; residentCode: string; individualNumber: string | null } }[] } }>(
      'registry-clerk',
      '{ residents(first: 200) { edges { node { id residentCode individualNumber } } } }',
    );
    for (const { node } of body.data!.residents.edges) {
      if (node.individualNumber) personOfNumber.set(node.individualNumber, node.id);
      residentCodes.push(node.residentCode);
      residentIds.push(node.id);
    }
    expect(personOfNumber.size).toBeGreaterThan(50);
  });

  afterAll(async () => {
    await store?.close();
    await federation?.stop();
  });

  test('200 concurrent operations by 4 personas: every individual number returned has exactly one entry naming the person, the user and the field', async () => {
    const shapes = (index: number): { query: string; variables?: Record<string, unknown> } => {
      switch (index % 4) {
        case 0: // a list, without asking for the 宛名番号: the gateway fetches it for the trail
          return { query: `query List($after: String) { residents(first: 15, after: $after) { edges { node { individualNumber name { kanji } } } } }`, variables: { after: null } };
        case 1:
          return { query: `query One($id: ID!) { resident(id: $id) { individualNumber } }`, variables: { id: residentIds[index % residentIds.length] } };
        case 2:
          return { query: `query Cs($code: String!) { identityByResidentCode(residentCode: $code) { individualNumber name } }`, variables: { code: residentCodes[(index * 7) % residentCodes.length] } };
        default:
          return { query: `query Nested($id: ID!) { resident(id: $id) { identityInfo { individualNumber } household { members { individualNumber } } } }`, variables: { id: residentIds[(index * 3) % residentIds.length] } };
      }
    };
    const requests = Array.from({ length: 200 }, (_, index) => ({ persona: PERSONAS[index % PERSONAS.length], ...shapes(index) }));
    const results = await Promise.all(
      requests.map(async (request) => {
        const result = await federation.query(request.persona, request.query, request.variables);
        return { ...request, result, requestId: result.response.headers.get('x-request-id')! };
      }),
    );

    // The persons named by 住民票コード get their 宛名番号 in a linked record after the response.
    await federation.gateway.attribution!.settled();
    store = await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
    const records = await allRecords(store);
    const byRequest = new Map<string, AuditRecord[]>();
    for (const record of records) byRequest.set(record.requestId, [...(byRequest.get(record.requestId) ?? []), record]);
    // One PERSONS_ATTRIBUTED record per 住民票コード: the reference and the 宛名番号 it names.
    const linkOf = new Map<string, string>();
    for (const link of records.filter((record) => record.kind === 'PERSONS_ATTRIBUTED')) {
      const [reference, addressNumber] = link.personIds;
      // A code may be linked twice (two gateways, a restart): always to the same 宛名番号.
      expect(linkOf.get(reference) ?? addressNumber).toBe(addressNumber);
      linkOf.set(reference, addressNumber);
    }

    let numbersSeen = 0;
    for (const { persona, result, requestId } of results) {
      if (result.status !== 200) throw new Error(`${persona} ${result.status} ${result.raw.slice(0, 400)}`);
      // Every operation, granted or partly refused, has exactly one entry; a person it named by
      // 住民票コード is linked to the 宛名番号 by that code's PERSONS_ATTRIBUTED record.
      const operations = (byRequest.get(requestId) ?? []).filter((record) => record.kind === 'OPERATION');
      expect(operations).toHaveLength(1);
      const [entry] = operations;
      expect(entry.subject).toBe(devSubject(findPersona(persona)!));
      const named = entry.personIds.map((id) => (isPersonReference(id) ? linkOf.get(id) : id));
      for (const { number, coordinate } of individualNumbers(result.body.data, 'Resident')) {
        numbersSeen += 1;
        const person = personOfNumber.get(number);
        expect(person).toBeDefined();
        expect(named).toContain(person);
        expect(entry.grantedFields).toContain(coordinate);
      }
      // Nothing the client did not ask for leaves: the injected keys never appear.
      expect(result.raw).not.toMatch(/_audit/);
    }
    expect(numbersSeen).toBeGreaterThan(500);
    // The school clerk's individual numbers were refused: recorded as PARTIAL with the policy.
    const school = results.find((result) => result.persona === 'school-clerk')!;
    const schoolEntry = byRequest.get(school.requestId)!.find((record) => record.kind === 'OPERATION')!;
    expect(schoolEntry.decision).toBe('PARTIAL');
    expect(schoolEntry.deniedFields).toContainEqual({ coordinate: 'Resident.individualNumber', policy: 'individual_number' });
    // The chain of what was written under load holds.
    await expect(store.verify()).resolves.toMatchObject({ ok: true });
    // No individual number is stored in the trail in clear text.
    const trail = JSON.stringify(records);
    for (const number of personOfNumber.keys()) expect(trail).not.toContain(number);
    expect(federation.gateway.auditWriter!.stats().failed).toBe(0);
  });

  test("a Resident's own 本人確認情報 is attributed to that Resident without a further residents fetch", async () => {
    // The rewrite fetches IdentityInfo's person through `resident { id }` (juki-cs → residents)
    // only where nothing else names the person; under Resident.identityInfo the parent does.
    const id = residentIds[1];
    federation.resetStatements();
    const plain = await federation.query('registry-clerk', 'query ($id: ID!) { resident(id: $id) { name { kanji } } }', { id });
    const residentsAlone = federation.statements.residents.length;
    federation.resetStatements();
    const nested = await federation.query<{ resident: { identityInfo: { individualNumber: string } } }>(
      'registry-clerk',
      'query ($id: ID!) { resident(id: $id) { identityInfo { individualNumber } } }',
      { id },
    );
    expect(plain.status).toBe(200);
    expect(nested.body.data!.resident.identityInfo.individualNumber).toMatch(/^\d{12}$/);
    expect(federation.statements.residents).toHaveLength(residentsAlone);

    await federation.gateway.auditWriter!.drain();
    store ??= await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
    const requestId = nested.response.headers.get('x-request-id')!;
    const page = await store.query({ kind: 'OPERATION' }, { first: 5, order: 'desc' });
    const entry = page.records.find((record) => record.requestId === requestId)!;
    expect(entry.personIds).toEqual([id]);
    expect(entry.grantedFields).toContain('IdentityInfo.individualNumber');
  });
});
