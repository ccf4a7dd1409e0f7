import { createHash } from 'node:crypto';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { totalWork } from '../../gateway/limits/document-work';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import { startFederation, type Federation } from '../support/federation';
import { postGraphQL } from '../support/graphql';

/**
 * Issue 9.1 and 10.8 through the real federation: the fragment bomb that held the event loop 13 s
 * is refused after work linear in its size, before Apollo's validation, the first line or any
 * subgraph, recorded in the trail, and the next caller is answered; two operations without a name
 * are a 400; automatic persisted queries are off, so a hash tells nobody what anyone else ran.
 */

/** Work units (tokens + nodes + spread edges) allowed per character of document. */
const WORK_PER_CHARACTER = 4;

/** Issue 9's document: fragments F0…F25 each spreading the next twice, the last an unknown one. */
function fragmentBomb(levels: number, last = '...Unknown'): string {
  const parts = ['query Bomb { ...F0 }'];
  for (let i = 0; i < levels; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  parts.push(`fragment F${levels} on Query { ${last} }`);
  return parts.join('\n');
}

let federation: Federation;
let store: AuditStore | undefined;
beforeAll(async () => {
  federation = await startFederation();
});
afterAll(async () => {
  await store?.close();
  await federation?.stop();
});

/** The first-line counters without the per-profile map: unchanged means it never saw the request. */
function firstLineCounts(): Record<string, unknown> {
  const { byProfile: _byProfile, ...counts } = federation.gateway.authorization.stats();
  return counts;
}

async function refusalRecord(requestId: string | null) {
  await federation.gateway.auditWriter!.drain();
  store ??= await openAuditStore({ env: { AUDIT_DB_FILE: federation.auditFile } });
  const page = await store.query({ decision: 'REFUSED' }, { first: 50, order: 'desc' });
  return page.records.find((record) => record.requestId === requestId);
}

async function expectNextCallerAnswered(): Promise<void> {
  const next = await federation.query('registry-clerk', 'query ($id: ID!) { resident(id: $id) { name { kanji } } }', { id: FIXTURE_FIRST_RESIDENT.addressNumber });
  expect(next.status).toBe(200);
  expect((next.body.data as { resident?: { name?: { kanji?: string } } }).resident?.name?.kanji).toBe(FIXTURE_FIRST_RESIDENT.name);
}

describe('the fragment bomb of issue 9, sent by vendor-operator', () => {
  test('26 doubling levels ending in an unknown fragment: refused after linear work, audited, and the next caller is answered', async () => {
    const text = fragmentBomb(26);
    expect(text.length).toBeLessThan(1200);
    const before = firstLineCounts();
    federation.resetStatements();

    const result = await federation.query('vendor-operator', text);

    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'unknown_fragment' });
    expect(result.body.errors?.[0]?.message).toBe('Unknown fragment "Unknown".');
    // Bounded work: the guard's counters, not a clock.
    const last = federation.gateway.documents.stats().last!;
    expect(last.length).toBe(text.length);
    expect(totalWork(last.work)).toBeLessThanOrEqual(WORK_PER_CHARACTER * text.length);
    // Before the first line (no decision, no plan) and before any subgraph.
    expect(firstLineCounts()).toEqual(before);
    for (const statements of Object.values(federation.statements)) expect(statements).toEqual([]);
    // Recorded as a refusal, as every refusal before Apollo is.
    const record = await refusalRecord(result.response.headers.get('x-request-id'));
    expect(record).toMatchObject({ decision: 'REFUSED', errorCodes: ['GRAPHQL_VALIDATION_FAILED'], detail: 'HTTP 400 unknown_fragment' });

    await expectNextCallerAnswered();
  });

  test('the same bomb ending in a field is over the field budget (2^26 fields counted, each fragment measured once)', async () => {
    const text = fragmentBomb(26, '__typename');
    const result = await federation.query('vendor-operator', text);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_BUDGET_EXCEEDED', budget: 'rootFields', limit: 50 });
    expect(result.body.errors?.[0]?.message).toMatch(/rootFields budget/);
    expect(totalWork(federation.gateway.documents.stats().last!.work)).toBeLessThanOrEqual(WORK_PER_CHARACTER * text.length);
    const record = await refusalRecord(result.response.headers.get('x-request-id'));
    expect(record).toMatchObject({ errorCodes: ['DOCUMENT_BUDGET_EXCEEDED'], detail: 'HTTP 400 rootFields' });
    await expectNextCallerAnswered();
  });

  test('inside a field, the bomb is over the field budget; 990 repeats of one field are over the repeat budget', async () => {
    const parts = [`query Bomb { resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { ...F0 } }`];
    for (let i = 0; i < 26; i++) parts.push(`fragment F${i} on Resident { ...F${i + 1} ...F${i + 1} }`);
    parts.push('fragment F26 on Resident { id }');
    const bomb = await federation.query('registry-clerk', parts.join('\n'));
    expect(bomb.status).toBe(400);
    expect(bomb.body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_BUDGET_EXCEEDED', budget: 'fields', limit: 2000 });

    const repeats = await federation.query('registry-clerk', `{ residents(first: 1) { edges { node { ${'household { id } '.repeat(990)} } } } }`);
    expect(repeats.status).toBe(400);
    expect(repeats.body.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_BUDGET_EXCEEDED', budget: 'repeatedFields' });
    await expectNextCallerAnswered();
  });
});

describe('operation resolution (issue 10: two operations without operationName answered 500)', () => {
  const TWO = 'query A { __typename } query B { __typename }';

  test('two operations without operationName: 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const result = await federation.query('registry-clerk', TWO);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(result.raw).not.toMatch(/Cannot read properties/);
  });

  test('an operationName the document does not define: 400 OPERATION_RESOLUTION_FAILURE; a defined one runs', async () => {
    const token = await federation.token('registry-clerk');
    const send = (operationName: string) =>
      fetch(federation.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: TWO, operationName }),
      });
    const missing = await send('C');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    const chosen = await send('B');
    expect(chosen.status).toBe(200);
  });
});

describe('automatic persisted queries are off (issue 10.8: the shared cache was a cross-user oracle; issue 13: only registered documents run by id)', () => {
  const QUERY = 'query ($id: ID!) { resident(id: $id) { name { kanji } } }';
  const sha256Hash = createHash('sha256').update(QUERY).digest('hex');
  const hashOnly = async (persona: string) => {
    const token = await federation.token(persona);
    const response = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ variables: { id: FIXTURE_FIRST_RESIDENT.addressNumber }, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    return { status: response.status, body: (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } };
  };

  test('a hash-only request gets the same defined 4xx whether or not another persona ran the text', async () => {
    const before = await hashOnly('school-clerk');
    expect(before.status).toBe(400);
    expect(before.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    // Another persona runs the text, and tries to register it under its hash: the text runs
    // (TRUSTED_DOCUMENTS=off), nothing is registered.
    const token = await federation.token('registry-clerk');
    const registering = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { id: FIXTURE_FIRST_RESIDENT.addressNumber }, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect(registering.status).toBe(200);
    const ran = await postGraphQL(federation.gatewayUrl, QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber }, { authorization: `Bearer ${token}` });
    expect(ran.status).toBe(200);

    const after = await hashOnly('school-clerk');
    expect(after).toEqual(before);
  });
});
