import fs from 'node:fs';
import knexFactory from 'knex';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { CLIENT_TEXT_LIMITS } from '../../../lib/audit/limits';
import { openAuditStore, type AuditStore } from '../../../lib/audit/store';
import type { AuditRecord } from '../../../lib/audit/types';
import { startFederation, type Federation } from '../../support/federation';
import { policyWithoutUserLimits } from '../../support/policy-copy';

// Several tests send one persona's requests all at once: the per-user concurrency limit
// (rate-limits.test.ts) is raised so that it does not answer them first.
const policyDir = policyWithoutUserLimits();
afterAll(() => fs.rmSync(policyDir, { recursive: true, force: true }));
import { auditDialects, type ScratchAuditStore } from '../../support/audit-store';

/**
 * Bounded audit records (issue 9 item 6) and claims recorded as claims (issue 10 item 5), through
 * the real federation and the gateway's real audit store: the attacks of the issues replayed.
 */

const PERSON_QUERY = 'query Look { residents(first: 3) { edges { node { individualNumber name { kanji } } } } }';

interface Sent {
  status: number;
  requestId: string;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POSTs a JSON text as it is (so a lone surrogate escape reaches the gateway as such). */
async function post(federation: Federation, persona: string | null, json: string, headers: Record<string, string> = {}): Promise<Sent> {
  const authorization: Record<string, string> = persona ? { authorization: `Bearer ${await federation.token(persona)}` } : {};
  const response = await fetch(federation.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization, ...headers }, body: json });
  const text = await response.text();
  return { status: response.status, requestId: response.headers.get('x-request-id') ?? '', body: JSON.parse(text) as Sent['body'] };
}

/** The trail's bytes as SQLite stores them: the payload of every row of the audit tables and their indexes (dbstat). */
async function recordedBytes(file: string): Promise<number> {
  const db = knexFactory({ ...auditSqliteConfig(file), pool: { min: 0, max: 1 } });
  try {
    const [row] = (await db.raw(
      "select sum(payload) as bytes from dbstat where name not like 'sqlite_%' and name not like 'knex_%' and name <> 'AUDIT_CHAIN_HEAD'",
    )) as { bytes: number | null }[];
    return row.bytes ?? 0;
  } finally {
    await db.destroy();
  }
}

async function recordsOf(store: AuditStore, requestIds: string[]): Promise<AuditRecord[]> {
  const wanted = new Set(requestIds);
  const found: AuditRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.query({}, { first: 1000, after });
    found.push(...page.records.filter((record) => wanted.has(record.requestId)));
    if (!page.hasNextPage) return found;
    after = page.endCursor;
  }
}

describe('client texts in the audit trail (SQLite store, real federation)', () => {
  let federation: Federation;
  let reader: AuditStore;
  beforeAll(async () => {
    federation = await startFederation({ policyDir });
    reader = await openAuditStore({ config: auditSqliteConfig(federation.auditFile) });
  });
  afterAll(async () => {
    await reader?.close();
    await federation?.stop();
  });

  const refusedFor = (sent: Sent, field: string) => {
    expect(sent.status).toBe(400);
    expect(sent.body.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CLIENT_TEXT', field });
  };

  test('80 requests with a ~1 MB operationName: each refused (400 INVALID_CLIENT_TEXT), the trail grows by a bounded record each, not 82 MB', async () => {
    const before = await recordedBytes(federation.auditFile);
    const body = JSON.stringify({ query: '{ __typename }', operationName: 'A'.repeat(1_000_000) });
    const sent: Sent[] = [];
    for (let wave = 0; wave < 8; wave++) {
      sent.push(...(await Promise.all(Array.from({ length: 10 }, () => post(federation, 'registry-clerk', body)))));
    }
    for (const one of sent) refusedFor(one, 'operationName');
    const grown = (await recordedBytes(federation.auditFile)) - before;
    const records = await recordsOf(reader, sent.map((one) => one.requestId));
    expect(records).toHaveLength(80);
    for (const record of records) {
      expect(record).toMatchObject({ decision: 'REFUSED', errorCodes: ['INVALID_CLIENT_TEXT'], detail: 'HTTP 400 operationName too_long' });
      expect(record.operationName).toBe('A'.repeat(CLIENT_TEXT_LIMITS.operationName));
    }
    process.stdout.write(`audit bytes: 80 refusals of a 1 MB operationName grew the trail by ${grown} bytes (${Math.round(grown / 80)} per record)\n`);
    // Before: 82 MB. Now each refusal is one record of its bounded texts.
    expect(grown / 80).toBeLessThan(1200);
    expect(await reader.verify()).toMatchObject({ ok: true });
  });

  test('bytes per record: a typical clerk request and the worst case of every client text at its limit', async () => {
    const measure = async (headers: Record<string, string>, operationName?: string) => {
      const before = await recordedBytes(federation.auditFile);
      const query = operationName ? PERSON_QUERY.replace('query Look', `query ${operationName}`) : PERSON_QUERY;
      const sent = await post(federation, 'registry-clerk', JSON.stringify({ query, ...(operationName ? { operationName } : {}) }), headers);
      expect(sent.status).toBe(200);
      return (await recordedBytes(federation.auditFile)) - before;
    };
    const typical = await measure({ 'apollographql-client-name': 'madoguchi', 'apollographql-client-version': '2.4.1', 'x-case-id': 'R8-TENNYU-000123' });
    const worst = await measure(
      {
        'apollographql-client-name': 'n'.repeat(CLIENT_TEXT_LIMITS.clientName),
        'apollographql-client-version': 'v'.repeat(CLIENT_TEXT_LIMITS.clientVersion),
        'x-case-id': 'c'.repeat(CLIENT_TEXT_LIMITS.caseReference),
        'x-request-id': 'r'.repeat(CLIENT_TEXT_LIMITS.claimedRequestId),
      },
      `Op${'x'.repeat(CLIENT_TEXT_LIMITS.operationName - 2)}`,
    );
    // The numbers the README gives (3 persons, 2 fields granted, 1 refused; rows and indexes).
    process.stdout.write(`audit bytes per record: typical ${typical}, every client text at its limit ${worst}\n`);
    expect(typical).toBeGreaterThan(500);
    expect(typical).toBeLessThan(2500);
    // The client's texts add at most their limits (416 characters), twice where indexed: never more.
    expect(worst - typical).toBeLessThanOrEqual(2 * (128 + 64 + 32 + 64 + 128));
  });

  test('an operationName holding a lone UTF-16 surrogate (any token): refused, recorded well-formed, and verify stays intact', async () => {
    const sent = await post(federation, 'vendor-operator', '{"query":"{ __typename }","operationName":"Print\\ud800"}');
    refusedFor(sent, 'operationName');
    expect(sent.body.errors?.[0].extensions?.['reason']).toBe('operationName not_well_formed');
    const [record] = await recordsOf(reader, [sent.requestId]);
    expect(record).toMatchObject({ decision: 'REFUSED', operationName: 'Print\ufffd' });
    expect(await reader.verify()).toMatchObject({ ok: true });
  });

  test('claimed values are recorded as claims: a forged line in operationName is refused, X-Case-Id kept as sent, the request id is the gateway\'s own', async () => {
    const forged = await post(federation, 'registry-clerk', JSON.stringify({ query: PERSON_QUERY.replace('Look', 'PrintCertificate'), operationName: 'PrintCertificate\nGRANTED by chief' }));
    refusedFor(forged, 'operationName');
    expect(forged.body.errors?.[0].extensions?.['reason']).toBe('operationName control_character');

    const claimedCase = await post(federation, 'registry-clerk', JSON.stringify({ query: PERSON_QUERY }), { 'x-case-id': 'APPROVED BY DIRECTOR' });
    expect(claimedCase.status).toBe(200);

    // One X-Request-Id sent twice: two requests, two ids of the gateway's, the claim kept apart.
    const reused = await Promise.all([1, 2].map(() => post(federation, 'registry-clerk', JSON.stringify({ query: PERSON_QUERY }), { 'x-request-id': 'REQ-0001-reused' })));
    expect(reused.map((one) => one.status)).toEqual([200, 200]);
    expect(reused[0].requestId).not.toBe(reused[1].requestId);
    for (const one of reused) expect(one.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const records = await recordsOf(reader, [forged.requestId, claimedCase.requestId, ...reused.map((one) => one.requestId)]);
    const byId = new Map(records.map((record) => [record.requestId, record]));
    expect(byId.get(forged.requestId)).toMatchObject({ decision: 'REFUSED', operationName: 'PrintCertificate\ufffdGRANTED by chief', errorCodes: ['INVALID_CLIENT_TEXT'] });
    expect(byId.get(claimedCase.requestId)).toMatchObject({ decision: 'GRANTED', caseReference: 'APPROVED BY DIRECTOR' });
    expect(byId.get(claimedCase.requestId)).not.toHaveProperty('claimedRequestId');
    for (const one of reused) expect(byId.get(one.requestId)).toMatchObject({ requestId: one.requestId, claimedRequestId: 'REQ-0001-reused' });

    // A security officer reads the claim apart from the gateway's id, through the graph.
    const officer = await federation.query<{ auditRecords: { records: { requestId: string; claimedRequestId: string | null; usage: unknown }[] } }>(
      'security-officer',
      'query Trail($first: Int) { auditRecords(filter: { decision: GRANTED }, first: $first) { records { requestId claimedRequestId caseReference usage { estimatedCost rowsReturned } } } }',
      { first: 1000 },
    );
    expect(officer.status).toBe(200);
    const seen = officer.body.data!.auditRecords.records.filter((record) => record.requestId === reused[0].requestId || record.requestId === claimedCase.requestId);
    expect(seen).toEqual(
      expect.arrayContaining([
        // usage: what demand control estimated and counted (gateway/limits/), established by the gateway.
        { requestId: reused[0].requestId, claimedRequestId: 'REQ-0001-reused', caseReference: null, usage: { estimatedCost: expect.any(Number), rowsReturned: expect.any(Number) } },
        { requestId: claimedCase.requestId, claimedRequestId: null, caseReference: 'APPROVED BY DIRECTOR', usage: { estimatedCost: expect.any(Number), rowsReturned: expect.any(Number) } },
      ]),
    );
  });

  test('headers outside their limit or character set: 400 naming the header, recorded cut', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ 'apollographql-client-name': 'n'.repeat(65) }, 'apollographql-client-name', 'too_long'],
      [{ 'x-client-version': 'v'.repeat(33) }, 'X-Client-Version', 'too_long'],
      [{ 'x-case-id': 'c'.repeat(65) }, 'X-Case-Id', 'too_long'],
      [{ 'x-request-id': 'r'.repeat(129) }, 'X-Request-Id', 'too_long'],
      [{ 'x-case-id': 'R8\tX' }, 'X-Case-Id', 'control_character'],
      [{ 'x-request-id': 'caf\u00e9-1' }, 'X-Request-Id', 'not_printable_ascii'],
    ];
    const sent: Sent[] = [];
    for (const [headers, field, problem] of cases) {
      const one = await post(federation, 'registry-clerk', JSON.stringify({ query: PERSON_QUERY }), headers);
      refusedFor(one, field);
      expect(one.body.errors?.[0].extensions?.['reason']).toBe(`${field} ${problem}`);
      sent.push(one);
    }
    const records = await recordsOf(reader, sent.map((one) => one.requestId));
    expect(records).toHaveLength(cases.length);
    const byId = new Map(records.map((record) => [record.requestId, record]));
    expect(byId.get(sent[0].requestId)?.clientName).toBe('n'.repeat(64));
    expect(byId.get(sent[2].requestId)?.caseReference).toBe('c'.repeat(64));
    expect(byId.get(sent[3].requestId)?.claimedRequestId).toBe('r'.repeat(128));
    expect(byId.get(sent[4].requestId)?.caseReference).toBe('R8\ufffdX');
    expect(byId.get(sent[5].requestId)?.claimedRequestId).toBe('caf\ufffd-1');
    expect(await reader.verify()).toMatchObject({ ok: true });
  });

  test("an operation name longer than its limit in the document itself (no operationName sent): 400, recorded cut", async () => {
    const name = `Q${'q'.repeat(5000)}`;
    const sent = await post(federation, 'registry-clerk', JSON.stringify({ query: PERSON_QUERY.replace('Look', name) }));
    expect(sent.status).toBe(400);
    expect(sent.body.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CLIENT_TEXT', field: 'operationName' });
    const [record] = await recordsOf(reader, [sent.requestId]);
    expect(record.operationName).toBe(name.slice(0, CLIENT_TEXT_LIMITS.operationName));
    expect(record.personIds).toEqual([]);
  });
});

describe.each(auditDialects().filter((dialect) => dialect.name === 'postgresql'))('one bad entry on the $name store (real federation)', ({ open }) => {
  let scratch: ScratchAuditStore;
  let federation: Federation;
  beforeAll(async () => {
    scratch = await open();
    federation = await startFederation({ audit: scratch.store, policyDir });
  });
  afterAll(async () => {
    await federation?.stop();
    await scratch?.cleanup();
  });

  test('a registry clerk sends 40 requests at once, one with U+0000 in operationName: 39 answered, that one refused, all 40 recorded', async () => {
    const body = (index: number) => JSON.stringify({ query: PERSON_QUERY, operationName: index === 13 ? 'Look\u0000' : 'Look' });
    const sent = await Promise.all(Array.from({ length: 40 }, (_, index) => post(federation, 'registry-clerk', body(index))));
    // Before: the group commit carrying it failed, 33 of 40 answered 503 AUDIT_UNAVAILABLE.
    expect(sent.filter((one) => one.status === 200)).toHaveLength(39);
    expect(sent[13].status).toBe(400);
    const records = await recordsOf(scratch.store, sent.map((one) => one.requestId));
    expect(records).toHaveLength(40);
    expect(records.find((record) => record.requestId === sent[13].requestId)).toMatchObject({ decision: 'REFUSED', operationName: 'Look\ufffd' });
    expect(await scratch.store.verify()).toMatchObject({ ok: true });
  });
});
