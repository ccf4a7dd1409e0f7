import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { PERSONAS } from '../../gateway/auth/personas';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import { auditSqliteConfig } from '../../lib/audit/config';
import { UNAUTHORIZED_FIELD_CODE } from '../../lib/authorization/types';
import { startFederation, type Federation } from '../support/federation';
import { at, entry, plantedTrail } from '../support/generated-trail';

/**
 * Reading the trail through the gateway (issue 4, points 4 and 5): only the security officer may;
 * every other persona is refused each audit field (UNAUTHORIZED_FIELD_OR_TYPE naming audit_trail;
 * the gateway removes it before planning, so the audit subgraph is not asked); the person's view lists every record naming one 宛名番号 — those the
 * gateway wrote for this test's own requests included.
 */

const PERSON = FIXTURE_FIRST_RESIDENT.addressNumber;

const AUDIT_QUERIES: Record<string, string> = {
  auditRecords: '{ auditRecords(first: 5) { records { sequence } pageInfo { hasNextPage } } }',
  personAccessHistory: `{ personAccessHistory(personId: "${PERSON}") { records { sequence } } }`,
  auditAnomalyReport: '{ auditAnomalyReport(from: "2026-11-02", to: "2026-11-15") { recordCount findings { kind } } }',
  auditChainStatus: '{ auditChainStatus { recordCount lastHash } }',
};

const HISTORY = `query History($personId: ID!, $after: String) {
  personAccessHistory(personId: $personId, first: 50, after: $after) {
    records { sequence kind occurredAt subject department purpose decision grantedFields personIds operationName }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('reading the audit trail through the gateway', () => {
  let federation: Federation;
  let store: AuditStore;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-audit-read-'));
    // The gateway writes into this store; the fortnight of test/audit is in it before it starts.
    store = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
    const earlier = plantedTrail().entries;
    earlier.push(entry({ subject: 'dev:tax-clerk', department: 'taxation-division', occurredAt: at('2026-11-04', '10:00'), personIds: [PERSON, '0010000025'] }));
    await store.append(earlier);
    federation = await startFederation({ audit: store });
  }, 120_000);

  afterAll(async () => {
    await federation?.stop();
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the security officer reads every audit field', async () => {
    for (const [root, query] of Object.entries(AUDIT_QUERIES)) {
      const { status, body } = await federation.query<Record<string, any>>('security-officer', query);
      expect({ root, status, errors: body.errors }).toEqual({ root, status: 200, errors: undefined });
      expect(body.data?.[root]).toBeTruthy();
    }
    const { body } = await federation.query<Record<string, any>>('security-officer', AUDIT_QUERIES.auditAnomalyReport);
    expect(body.data!.auditAnomalyReport.findings.map((f: { kind: string }) => f.kind)).toEqual([
      'OFF_HOURS',
      'OFF_HOURS',
      'OFF_HOURS',
      'OFF_HOURS',
      'HIGH_FREQUENCY',
      'HIGH_FREQUENCY',
      'BULK_ACCESS',
      'REPEATED_DENIALS',
    ]);
  });

  // Every persona but the security officers (security-officer, security-officer-2: role security-officer with MFA).
  const others = PERSONAS.filter((persona) => !persona.roles.includes('security-officer') && !persona.revoked).map((persona) => persona.id);

  test.each(others)('%s is refused every audit field (UNAUTHORIZED_FIELD_OR_TYPE, policy audit_trail)', async (persona) => {
    for (const [root, query] of Object.entries(AUDIT_QUERIES)) {
      const { status, body } = await federation.query<Record<string, any>>(persona, query);
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ path: [root], extensions: expect.objectContaining({ code: UNAUTHORIZED_FIELD_CODE, coordinate: `Query.${root}`, policy: 'audit_trail' }) })]);
      expect(JSON.stringify(body)).not.toMatch(/"sequence"|recordCount|lastHash/);
    }
  });

  test('revoked-clerk does not get that far (401)', async () => {
    const { status } = await federation.query('revoked-clerk', AUDIT_QUERIES.auditChainStatus);
    expect(status).toBe(401);
  });

  test("the person's view lists every record naming the 宛名番号, the gateway's own included", async () => {
    // A clerk reads the person now: the gateway records it, naming the person.
    const read = await federation.query<Record<string, any>>('registry-clerk', `query CounterLookup { resident(id: "${PERSON}") { name { kanji } } }`);
    expect(read.body.errors).toBeUndefined();

    const listed: any[] = [];
    let after: string | null = null;
    for (;;) {
      const { body }: { body: any } = await federation.query<any>('security-officer', HISTORY, { personId: PERSON, after });
      expect(body.errors).toBeUndefined();
      listed.push(...body.data.personAccessHistory.records);
      if (!body.data.personAccessHistory.pageInfo.hasNextPage) break;
      after = body.data.personAccessHistory.pageInfo.endCursor;
    }
    // Exactly the records of the store that name the person, in order …
    const want: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.query({ personId: PERSON }, { first: 1000, ...(cursor ? { after: cursor } : {}) });
      want.push(...page.records.map((r) => r.sequence));
      if (!page.hasNextPage) break;
      cursor = page.endCursor!;
    }
    expect(listed.map((r) => r.sequence)).toEqual(want);
    expect(listed.every((r) => r.personIds.includes(PERSON))).toBe(true);
    // … the generated trail's (clerks reading persons 1…5000 at random hit this one) and the tax clerk's …
    expect(listed.some((r) => r.subject === 'dev:tax-clerk' && r.purpose === 'local-tax')).toBe(true);
    // … and the one the gateway wrote for the read above.
    const own = listed.filter((r) => r.subject === 'dev:registry-clerk' && r.operationName === 'CounterLookup');
    expect(own).toEqual([expect.objectContaining({ kind: 'OPERATION', department: 'registry-division', purpose: 'resident-registry', decision: 'GRANTED' })]);
    expect(own[0].grantedFields).toEqual(expect.arrayContaining(['Query.resident', 'Resident.name']));
  });
});
