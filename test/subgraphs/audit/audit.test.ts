import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { startSubgraph, type RunningSubgraph } from '../../../subgraphs/shared/server';
import { createAuditSubgraph } from '../../../subgraphs/audit';
import { openAuditStore, type AuditStore } from '../../../lib/audit/store';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { buildAnomalyReport, resolvePeriod } from '../../../lib/audit/anomalies';
import { loadAuditCalendar } from '../../../lib/audit/calendar';
import type { AuditEntryInput, AuditRecord } from '../../../lib/audit/types';
import { createSchema, schemaUrl } from '../../support/postgres';
import { postToSubgraph } from '../../support/gateway-identity';
import { createLogger } from '../../../lib/logger';
import { parseReportArgs, writeAuditReport } from '../../../scripts/audit-report';
import { PERIOD, plantedTrail } from '../../support/generated-trail';

/**
 * The audit subgraph in-process over HTTP, as the gateway calls it, over a real store holding a
 * generated fortnight with planted anomalies (test/support/generated-trail.ts): on SQLite always,
 * and on PostgreSQL when the run has one (a scratch schema). What it answers is checked against
 * the entries that went in; each page is one SQL statement, whatever its size.
 */

interface Dialect {
  name: string;
  open(): Promise<{ store: AuditStore; cleanup(): Promise<void> }>;
}

const DIALECTS: Dialect[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-audit-subgraph-'));
      const store = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
      return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
];
if (process.env.TEST_PG_URL) {
  DIALECTS.push({
    name: 'postgresql',
    async open() {
      const schema = `audit_subgraph_${process.pid}_${Date.now()}`;
      await createSchema(schema);
      const store = await openAuditStore({ config: { client: 'pg', connection: { connectionString: schemaUrl(process.env.TEST_PG_URL!, schema) }, pool: { min: 0, max: 4 } } });
      return { store, cleanup: async () => undefined };
    },
  });
}

const RECORD_FIELDS = 'sequence kind occurredAt recordedAt requestId subject department roles purpose mfa clientName clientVersion caseReference operationName operationHash decision grantedFields deniedFields { coordinate policy } personIds ruleVersion errorCodes detail previousHash hash';

const RECORDS_QUERY = `query ($filter: AuditFilter, $first: Int, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) { records { ${RECORD_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;

/** Sequences only: the listing tests check which records, the contract test checks one whole. */
const SEQUENCES_QUERY = `query ($filter: AuditFilter, $first: Int, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) { records { sequence } pageInfo { hasNextPage endCursor } }
}`;

const HISTORY_QUERY = `query ($personId: ID!, $first: Int, $after: String) {
  personAccessHistory(personId: $personId, first: $first, after: $after) { records { sequence subject department purpose occurredAt personIds grantedFields decision } pageInfo { hasNextPage endCursor } }
}`;

describe.each(DIALECTS)('the audit subgraph on $name', (dialect) => {
  let store: AuditStore;
  let cleanup: () => Promise<void>;
  let running: RunningSubgraph;
  let unused: Knex;
  let entries: AuditEntryInput[];
  let stored: AuditRecord[];
  let planted: ReturnType<typeof plantedTrail>['planted'];
  const statements: string[] = [];

  beforeAll(async () => {
    ({ store, cleanup } = await dialect.open());
    ({ entries, planted } = plantedTrail());
    stored = await store.append(entries);
    // The store's own connection: every statement the subgraph makes goes through it.
    (store as unknown as { db: Knex }).db.on('query', (query: { sql: string }) => statements.push(query.sql));
    // The shared server hands every subgraph a knex; this one reads through the store instead.
    unused = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    running = await startSubgraph(createAuditSubgraph({ store }), { port: 0, db: unused, logger: createLogger('subgraph:audit', 'silent') });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await unused?.destroy();
    await store?.close();
    await cleanup?.();
  });

  async function allPages(query: string, variables: Record<string, unknown>, root: 'auditRecords' | 'personAccessHistory', first: number): Promise<{ records: any[]; pages: number; statementsPerPage: number[] }> {
    const records: any[] = [];
    const statementsPerPage: number[] = [];
    let after: string | null = null;
    for (;;) {
      const before = statements.length;
      const { status, body }: { status: number; body: any } = await postToSubgraph<any>(running, query, { ...variables, first, after }, 'security-officer');
      statementsPerPage.push(statements.length - before);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      const page: { records: any[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = body.data[root];
      records.push(...page.records);
      if (!page.pageInfo.hasNextPage) return { records, pages: statementsPerPage.length, statementsPerPage };
      after = page.pageInfo.endCursor;
    }
  }

  test('every record, oldest first, page by page: one statement per page of 10, 100 or 1,000', async () => {
    for (const first of [1000, 100]) {
      const { records, statementsPerPage } = await allPages(SEQUENCES_QUERY, {}, 'auditRecords', first);
      expect(records.map((r) => r.sequence)).toEqual(stored.map((r) => r.sequence));
      expect(new Set(statementsPerPage)).toEqual(new Set([1]));
    }
    const { records } = await allPages(RECORDS_QUERY, { filter: { subject: 'dev:planted-taxation-division-3' } }, 'auditRecords', 10);
    expect(records).toEqual(stored.filter((r) => r.subject === 'dev:planted-taxation-division-3'));
  });

  test.each([
    ['user', { subject: 'dev:registry-division-2' }, (r: AuditRecord) => r.subject === 'dev:registry-division-2'],
    ['department', { department: 'mynumber-division' }, (r: AuditRecord) => r.department === 'mynumber-division'],
    ['person', { personId: '0010009001' }, (r: AuditRecord) => r.personIds.includes('0010009001')],
    ['field refused', { field: 'Resident.individualNumber' }, (r: AuditRecord) => r.deniedFields.some((d) => d.coordinate === 'Resident.individualNumber')],
    ['decision', { decision: 'DENIED' }, (r: AuditRecord) => r.decision === 'DENIED'],
    ['kind', { kind: 'RULES_RELOADED' }, (r: AuditRecord) => r.kind === 'RULES_RELOADED'],
    ['period (dates on the ward clock, to inclusive)', { from: '2026-11-07', to: '2026-11-09' }, (r: AuditRecord) => r.occurredAt >= '2026-11-07' && r.occurredAt < '2026-11-10'],
    ['period (instants, to exclusive)', { from: '2026-11-05T13:00:00Z', to: '2026-11-05T14:00:00Z' }, (r: AuditRecord) => Date.parse(r.occurredAt) >= Date.parse('2026-11-05T13:00:00Z') && Date.parse(r.occurredAt) < Date.parse('2026-11-05T14:00:00Z')],
    [
      'user, decision and period together',
      { subject: 'dev:planted-taxation-division-3', decision: 'PARTIAL', from: '2026-11-06', to: '2026-11-06' },
      (r: AuditRecord) => r.subject === 'dev:planted-taxation-division-3' && r.decision === 'PARTIAL' && r.occurredAt.startsWith('2026-11-06'),
    ],
  ] as const)('by %s', async (_label, filter, expected) => {
    const { records, statementsPerPage } = await allPages(SEQUENCES_QUERY, { filter }, 'auditRecords', 500);
    const want = stored.filter(expected as (r: AuditRecord) => boolean);
    expect(want.length).toBeGreaterThan(0);
    expect(records.map((r) => r.sequence)).toEqual(want.map((r) => r.sequence));
    // One statement a page; a field filter reads first the chain's head, which field sets hold
    // the field and whether older records have AUDIT_FIELD rows of it (lib/audit/query.ts): four.
    expect(new Set(statementsPerPage)).toEqual(new Set(['field' in filter ? 4 : 1]));
  });

  test('a record comes back as it was stored: the contract, never a value', async () => {
    const { body } = await postToSubgraph<any>(running, RECORDS_QUERY, { filter: { subject: 'dev:planted-taxation-division-3', decision: 'PARTIAL' }, first: 1 }, 'security-officer');
    const record = stored.find((r) => r.subject === 'dev:planted-taxation-division-3' && r.decision === 'PARTIAL')!;
    expect(body.data.auditRecords.records).toEqual([record]);
    expect(body.data.auditRecords.pageInfo).toEqual({ hasNextPage: true, endCursor: String(record.sequence) });
  });

  test("a person's view lists every record naming the person, with who, when, for what", async () => {
    const person = '0010000007';
    const want = stored.filter((r) => r.personIds.includes(person));
    expect(want.length).toBeGreaterThan(10);
    const { records, statementsPerPage } = await allPages(HISTORY_QUERY, { personId: person }, 'personAccessHistory', 7);
    expect(records.map((r) => r.sequence)).toEqual(want.map((r) => r.sequence));
    expect(records[0]).toEqual({
      sequence: want[0].sequence,
      subject: want[0].subject,
      department: want[0].department,
      purpose: want[0].purpose,
      occurredAt: want[0].occurredAt,
      personIds: want[0].personIds,
      grantedFields: want[0].grantedFields,
      decision: want[0].decision,
    });
    expect(new Set(statementsPerPage)).toEqual(new Set([1]));
    const { body } = await postToSubgraph<any>(running, HISTORY_QUERY, { personId: '0019999999' }, 'security-officer');
    expect(body.data.personAccessHistory).toEqual({ records: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  test('the anomaly report: the planted patterns, each with its records; pages of the period only', async () => {
    const calendar = loadAuditCalendar();
    const expected = buildAnomalyReport(stored, calendar, resolvePeriod(calendar, PERIOD.from, PERIOD.to));
    const before = statements.length;
    const { body } = await postToSubgraph<any>(
      running,
      `query ($from: String!, $to: String!) { auditAnomalyReport(from: $from, to: $to) {
        from to calendarVersion recordCount analysedCount warnings
        findings { kind subject department window windowStart windowEnd count threshold departmentMedian personCount description descriptionJa recordSequences records(first: 1000) { sequence subject } }
        again: findings { kind }
      } twice: auditAnomalyReport(from: $from, to: $to) { recordCount } }`,
      PERIOD,
      'security-officer',
    );
    expect(body.errors).toBeUndefined();
    const report = body.data.auditAnomalyReport;
    // One page (statement) per 1,000 records of the period; asked twice, read once.
    expect(statements.length - before).toBe(Math.ceil((stored.length + 1) / 1000));
    expect(report).toMatchObject({ from: expected.from, to: expected.to, recordCount: stored.length, analysedCount: expected.analysedCount, warnings: [] });
    expect(report.findings).toHaveLength(planted.length);
    for (const [i, finding] of report.findings.entries()) {
      const { records, ...rest } = finding;
      const { recordSequences, ...want } = expected.findings[i];
      expect(rest).toEqual({ ...want, recordSequences });
      expect(records.map((r: AuditRecord) => r.sequence)).toEqual(recordSequences);
      expect(new Set(records.map((r: AuditRecord) => r.subject))).toEqual(new Set([finding.subject]));
    }
    const { body: firstTwo } = await postToSubgraph<any>(running, `{ auditAnomalyReport(from: "2026-11-11", to: "2026-11-11") { findings { kind records(first: 2) { sequence } } } }`, undefined, 'security-officer');
    expect(firstTwo.data.auditAnomalyReport.findings).toEqual([{ kind: 'BULK_ACCESS', records: [{ sequence: expect.any(Number) }, { sequence: expect.any(Number) }] }]);
  });

  test("the chain's head: count and last hash in one statement", async () => {
    const before = statements.length;
    const { body } = await postToSubgraph<any>(running, '{ auditChainStatus { recordCount lastSequence lastHash lastRecordedAt } }', undefined, 'security-officer');
    expect(statements.length - before).toBe(1);
    const last = stored[stored.length - 1];
    expect(body.data.auditChainStatus).toEqual({ recordCount: stored.length, lastSequence: last.sequence, lastHash: last.hash, lastRecordedAt: last.recordedAt });
  });

  test('bad input is BAD_USER_INPUT, and reaches no database', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [RECORDS_QUERY, { first: 0 }, /first must be between 1 and 1000/],
      [RECORDS_QUERY, { first: 1001 }, /first must be between 1 and 1000/],
      [RECORDS_QUERY, { after: 'abc' }, /after must be an endCursor/],
      [RECORDS_QUERY, { filter: { from: 'yesterday' } }, /filter.from must be a date/],
      [RECORDS_QUERY, { filter: { from: '2026-11-10', to: '2026-11-02' } }, /filter.to must be after filter.from/],
      [RECORDS_QUERY, { filter: { subject: ' ' } }, /filter.subject must not be empty/],
      ['{ auditAnomalyReport(from: "2026-11-10", to: "2026-11-01") { recordCount } }', {}, /to must not be before from/],
    ];
    const before = statements.length;
    for (const [query, variables, message] of cases) {
      const { body } = await postToSubgraph<any>(running, query, variables, 'security-officer');
      expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    }
    expect(statements.length - before).toBe(0);
  });

  test('npm run audit:report writes the same report as report.md and findings.csv', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-audit-report-'));
    try {
      const calendar = loadAuditCalendar();
      const expected = buildAnomalyReport(stored, calendar, resolvePeriod(calendar, PERIOD.from, PERIOD.to));
      const written = await writeAuditReport(store, { ...PERIOD, out });
      expect(written.report).toEqual(expected);
      const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
      expect(markdown).toContain(`- 検知 / Findings: ${expected.findings.length} (OFF_HOURS 4, HIGH_FREQUENCY 2, BULK_ACCESS 1, REPEATED_DENIALS 1, PROTECTED_PERSON_READ 0, BULK_WITHOUT_APPROVAL 0)`);
      const csv = fs.readFileSync(path.join(out, 'findings.csv'), 'utf8').split('\r\n');
      expect(csv).toHaveLength(expected.findings.length + 2);
      expect(csv.slice(1, -1).map((line) => line.split(',')[0])).toEqual(expected.findings.map((f) => f.kind));
      await expect(writeAuditReport(store, { from: '2026-11-10', to: '2026-11-01', out })).rejects.toThrow(/to must not be before from/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('second line: the shield refuses the trail to everyone but the security officer', async () => {
    for (const persona of ['registry-clerk', 'dx-analyst', 'vendor-operator', 'tax-clerk']) {
      for (const query of ['{ auditChainStatus { recordCount } }', '{ auditRecords(first: 1) { pageInfo { hasNextPage } } }', '{ personAccessHistory(personId: "0010000007") { records { sequence } } }', '{ auditAnomalyReport(from: "2026-11-02", to: "2026-11-03") { recordCount } }']) {
        const { body } = await postToSubgraph<any>(running, query, undefined, persona);
        expect(body.data).toBeNull();
        expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      }
    }
  });
});

describe('npm run audit:report (arguments, and the real command on a SQLite store)', () => {
  test('arguments', () => {
    expect(parseReportArgs(['--from', '2026-04-01', '--to=2027-03-31', '--out', 'x'])).toEqual({ from: '2026-04-01', to: '2027-03-31', out: 'x' });
    expect(() => parseReportArgs(['--from', '2026-04-01'])).toThrow(/--from and --to are required/);
    expect(() => parseReportArgs(['--from', '2026-04-01', '--to', '2027-03-31', '--bogus'])).toThrow(/unknown argument --bogus/);
  });

  test('the command writes both files and exits 0; bad arguments exit 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-audit-cli-'));
    try {
      const file = path.join(dir, 'audit.sqlite');
      const store = await openAuditStore({ config: auditSqliteConfig(file) });
      await store.append(plantedTrail().entries);
      await store.close();
      const run = (args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', '..', '..', 'scripts', 'audit-report.ts'), ...args], {
          env: { ...process.env, AUDIT_DB_CLIENT: 'better-sqlite3', AUDIT_DB_FILE: file },
          encoding: 'utf8',
        });
      const ok = run(['--from', PERIOD.from, '--to', PERIOD.to, '--out', path.join(dir, 'out')]);
      expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('records') });
      expect(ok.stdout).toMatch(/^異常検知 8 件（記録 \d+ 件、2026-\d{2}-\d{2} 00:00:00 JST \(\+09:00\) 〜 [^）]+ JST \(\+09:00\)） \/ 8 finding\(s\) over \d+ records/);
      expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['findings.csv', 'report.md']);
      expect(run(['--from', PERIOD.from]).status).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
