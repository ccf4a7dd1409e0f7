import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { seedAll } from '../../../scripts/seeding/seed-all';
import { auditSqliteConfig } from '../../../lib/audit/config';
import { AUDIT_TABLES } from '../../../lib/audit/migrations';
import { openAuditStore, type AuditStore } from '../../../lib/audit/store';
import { LEGACY_SUBGRAPH_NAMES, type LegacySubgraphName } from '../../../lib/subgraphs';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../../subgraphs/shared/database';
import * as cardProgress from '../../../subgraphs/card-progress/legacy/adapter';
import * as intermediate from '../../../subgraphs/intermediate/legacy/adapter';
import * as jukiCs from '../../../subgraphs/juki-cs/legacy/adapter';
import * as residents from '../../../subgraphs/residents/legacy/adapter';
import type { IdentitySearchFilter } from '../../../subgraphs/juki-cs/records';
import { cleanTrail } from '../../support/generated-trail';
import { createSchema, postgresEnv, schemaUrl } from '../../support/postgres';

/**
 * Every lookup a workload or a counter screen makes is served by an index. Each test runs the
 * real adapter function (or the audit store's query), records the statements knex sends with
 * their bindings, and asks the database for the plan of each:
 *
 * - SQLite: EXPLAIN QUERY PLAN on a copy of the run's seeded data (1,500 residents; no ANALYZE,
 *   as the subgraphs run without one). A `SCAN <table>` of a large table fails, unless it walks
 *   an index (`USING [COVERING] INDEX`). Scans of the code tables (…_MST), of subqueries and
 *   temp b-trees (ORDER BY) are allowed.
 * - PostgreSQL: EXPLAIN (FORMAT JSON) of the same statements on a scratch schema seeded the
 *   same way, after ANALYZE, with the planner's default settings (enable_seqscan stays on: the
 *   seeded tables are large enough for the planner to prefer an index). A `Seq Scan` on a table
 *   other than a code table (…_MST) fails.
 */

const RESIDENTS = 1500;

interface Statement {
  sql: string;
  bindings: unknown[];
}

async function capture(db: Knex, run: () => Promise<unknown>): Promise<Statement[]> {
  const statements: Statement[] = [];
  const onQuery = (query: { sql: string; bindings?: unknown[] }) => {
    statements.push({ sql: query.sql, bindings: [...(query.bindings ?? [])] });
  };
  db.on('query', onQuery);
  try {
    await run();
  } finally {
    db.off('query', onQuery);
  }
  if (statements.length === 0) throw new Error('the lookup sent no statement');
  return statements;
}

type Dialect = 'sqlite' | 'postgresql';

const isCodeTable = (table: string): boolean => /_MST$/i.test(table);

/**
 * Small by design, like a code table: AUDIT_CHAIN_HEAD is one row; AUDIT_FIELD_SET holds each
 * distinct set of a record's fields once, so it grows with the operations apps send, not with the
 * records (PostgreSQL reads a table of a few pages whole whatever its indexes).
 */
const isSmallByDesign = (table: string): boolean => isCodeTable(table) || table === AUDIT_TABLES.fieldSet || table === AUDIT_TABLES.head;

/**
 * For the plans of a trail upgraded from before migration 004: AUDIT_FIELD rows (one per field of
 * each older record) next to the field sets, so that a field lookup plans both of its queries.
 * (Rows beside a record's set are a break for verify; this fixture is only planned, never verified.)
 */
async function withFieldRowsOfOlderRecords(audit: AuditStore): Promise<void> {
  const { log, field, fieldSet } = AUDIT_TABLES;
  await auditDb(audit).raw(`insert into "${field}" (sequence, coordinate, granted, policy) select l.sequence, s.coordinate, s.granted, s.policy from "${log}" l join "${fieldSet}" s on s.field_set = l.field_set`);
}

/** Table names by alias (`X` as `y`, "X" as "y"), so that a plan line naming an alias can be judged. */
function tablesByAlias(sql: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const match of sql.matchAll(/[`"](\w+)[`"]\s+as\s+[`"](\w+)[`"]/gi)) aliases.set(match[2], match[1]);
  return aliases;
}

/** The plan lines that are full scans of a large table. */
async function fullScans(db: Knex, dialect: Dialect, statement: Statement): Promise<{ plan: string[]; scans: string[] }> {
  const connection = await db.client.acquireConnection();
  try {
    if (dialect === 'sqlite') {
      const rows = (connection as { prepare(sql: string): { all(...params: unknown[]): { detail: string }[] } })
        .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
        .all(...statement.bindings);
      const aliases = tablesByAlias(statement.sql);
      const plan = rows.map((row) => row.detail);
      const scans = plan.filter((detail) => {
        const scan = /^SCAN (\S+)/.exec(detail);
        if (!scan) return false;
        if (/USING (COVERING )?INDEX/.test(detail)) return false;
        const table = aliases.get(scan[1]) ?? scan[1];
        return !isSmallByDesign(table) && !/^(CONSTANT|\(subquery)/.test(table);
      });
      return { plan, scans };
    }
    const result = (await (connection as { query(config: { text: string; values: unknown[] }): Promise<{ rows: { 'QUERY PLAN': unknown }[] }> }).query({
      text: `EXPLAIN (FORMAT JSON) ${statement.sql}`,
      values: statement.bindings,
    })) as { rows: { 'QUERY PLAN': [{ Plan: PgPlanNode }] }[] };
    const plan: string[] = [];
    const scans: string[] = [];
    const walk = (node: PgPlanNode, depth: number) => {
      const line = `${'  '.repeat(depth)}${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}${node['Index Cond'] ? ` (${node['Index Cond']})` : ''}`;
      plan.push(line);
      if (node['Node Type'] === 'Seq Scan' && !isSmallByDesign(node['Relation Name'] ?? '')) scans.push(line.trim());
      for (const child of node.Plans ?? []) walk(child, depth + 1);
    };
    walk(result.rows[0]['QUERY PLAN'][0].Plan, 0);
    return { plan, scans };
  } finally {
    await db.client.releaseConnection(connection);
  }
}

interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PgPlanNode[];
}

/** Plans of every statement `run` sends; fails, showing the plans, when one scans a large table. */
async function expectIndexed(db: Knex, dialect: Dialect, run: () => Promise<unknown>): Promise<void> {
  const statements = await capture(db, run);
  const report: string[] = [];
  let scanned = false;
  for (const statement of statements) {
    const { plan, scans } = await fullScans(db, dialect, statement);
    if (scans.length > 0) scanned = true;
    report.push(`${statement.sql}\n  bindings: ${JSON.stringify(statement.bindings)}\n  plan:\n    ${plan.join('\n    ')}`);
  }
  if (process.env.QUERY_PLANS_VERBOSE) console.log(`[${dialect}]\n${report.join('\n')}`);
  if (scanned) throw new Error(`full scan of a large table:\n${report.join('\n\n')}`);
}

interface Fixture {
  dialect: Dialect;
  db: Record<LegacySubgraphName, Knex>;
  audit: AuditStore;
  cleanup(): Promise<void>;
}

const auditDb = (store: AuditStore): Knex => (store as unknown as { db: Knex }).db;

async function openSqliteFixture(): Promise<Fixture> {
  const source = process.env.WARD_TEST_DATA_DIR;
  if (!source) throw new Error('WARD_TEST_DATA_DIR is not set: run the tests through jest');
  // A copy of the run's seeded files, so that this suite may change them (e.g. drop an index) without touching the others.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'query-plans-'));
  const db = {} as Record<LegacySubgraphName, Knex>;
  for (const name of LEGACY_SUBGRAPH_NAMES) {
    const file = defaultSqliteFile(name, dir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(defaultSqliteFile(name, source), file);
    db[name] = openDatabase(name, sqliteConfig(file));
  }
  const audit = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
  await audit.append(cleanTrail());
  await withFieldRowsOfOlderRecords(audit);
  return {
    dialect: 'sqlite',
    db,
    audit,
    async cleanup() {
      await audit.close();
      for (const name of LEGACY_SUBGRAPH_NAMES) await db[name].destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgresFixture(): Promise<Fixture> {
  const url = process.env.TEST_PG_URL!;
  const tag = `${process.pid}_${Date.now()}`;
  const schemas = Object.fromEntries([...LEGACY_SUBGRAPH_NAMES, 'audit'].map((name) => [name, `plans_${name.replace('-', '_')}_${tag}`])) as Record<LegacySubgraphName | 'audit', string>;
  for (const schema of Object.values(schemas)) await createSchema(schema);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'query-plans-pg-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of LEGACY_SUBGRAPH_NAMES) Object.assign(env, postgresEnv(name, schemas[name]));
  await seedAll({ residents: RESIDENTS, dataDir, env });
  const db = {} as Record<LegacySubgraphName, Knex>;
  for (const name of LEGACY_SUBGRAPH_NAMES) {
    db[name] = openDatabase(name, { client: 'pg', connection: { connectionString: url }, searchPath: [schemas[name]], pool: { min: 0, max: 2 } });
  }
  const audit = await openAuditStore({ config: { client: 'pg', connection: { connectionString: url }, searchPath: [schemas.audit], pool: { min: 0, max: 2 } } });
  await audit.append(cleanTrail());
  await withFieldRowsOfOlderRecords(audit);
  for (const name of LEGACY_SUBGRAPH_NAMES) await db[name].raw('analyze');
  await auditDb(audit).raw('analyze');
  return {
    dialect: 'postgresql',
    db,
    audit,
    async cleanup() {
      await audit.close();
      for (const name of LEGACY_SUBGRAPH_NAMES) await db[name].destroy();
      const admin = knexFactory({ client: 'pg', connection: { connectionString: schemaUrl(url, 'public') }, pool: { min: 0, max: 1 } });
      try {
        for (const schema of Object.values(schemas)) await admin.raw('drop schema if exists ?? cascade', [schema]);
      } finally {
        await admin.destroy();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const DIALECTS: { name: Dialect; open(): Promise<Fixture> }[] = [{ name: 'sqlite', open: openSqliteFixture }];
if (process.env.TEST_PG_URL) DIALECTS.push({ name: 'postgresql', open: openPostgresFixture });
else console.warn('!! query-plans: no TEST_PG_URL, the PostgreSQL plans are SKIPPED');

const trim = (value: unknown): string => String(value).trim();

describe.each(DIALECTS)('query plans on $name: every counter lookup is served by an index', ({ name: dialect, open }) => {
  let fixture: Fixture;
  // Real keys of the seeded data.
  let atenaNos: string[];
  let juminhyoCodes: string[];
  let householdNos: string[];
  let kojinNos: string[];
  let kanaPrefix: string;
  let csKanaPrefix: string;
  let csName: string;
  let csBirthDate: string;
  let addressCode: string;
  let togoAtenaNos: string[];
  let cardAtenaNos: string[];
  let shinseiIds: string[];
  let subject: string;
  let personId: string;
  let field: string;

  beforeAll(async () => {
    fixture = await open();
    const { db } = fixture;
    const people = await db.residents('JUMIN_KIHON').select('ATENA_NO', 'JUMINHYO_CD', 'SETAI_NO', 'KENSAKU_KANA', 'JUSHO_CD').orderBy('ATENA_NO').limit(200);
    atenaNos = people.slice(0, 5).map((row) => trim(row.ATENA_NO));
    juminhyoCodes = people.slice(0, 5).map((row) => trim(row.JUMINHYO_CD));
    householdNos = people.slice(0, 3).map((row) => trim(row.SETAI_NO));
    kanaPrefix = trim(people.find((row) => trim(row.KENSAKU_KANA ?? '').length >= 2)!.KENSAKU_KANA).slice(0, 2);
    addressCode = trim(people[0].JUSHO_CD).slice(0, 4);
    const identity = await db['juki-cs']('HONNIN_KAKUNIN').select('SHIMEI', 'KENSAKU_KANA').whereNotNull('KENSAKU_KANA').first();
    csKanaPrefix = trim(identity.KENSAKU_KANA).slice(0, 2);
    csName = trim(identity.SHIMEI);
    csBirthDate = '1980-04-01';
    kojinNos = (await db['juki-cs']('CS_KOJIN_BANGO').select('KOJIN_NO').limit(5)).map((row) => trim(row.KOJIN_NO));
    togoAtenaNos = (await db.intermediate('TOGO_ATENA').select('TOGO_ATENA_NO').limit(5)).map((row) => trim(row.TOGO_ATENA_NO));
    const cards = await db['card-progress']('CARD_SHINSEI').select('SHINSEI_ID', 'ATENA_NO').limit(5);
    cardAtenaNos = cards.map((row) => trim(row.ATENA_NO));
    shinseiIds = cards.map((row) => trim(row.SHINSEI_ID));
    const page = await fixture.audit.query({}, { first: 50 });
    const record = page.records.find((r) => r.personIds.length > 0 && r.grantedFields.length > 0) ?? page.records[0];
    subject = record.subject ?? 'dev:unknown';
    personId = record.personIds[0] ?? '0000000001';
    field = record.grantedFields[0] ?? 'Resident.name';
  }, 240_000);

  afterAll(async () => {
    await fixture?.cleanup();
  });

  const plan = (subgraph: LegacySubgraphName | 'audit', run: (db: Knex) => Promise<unknown>) => () => {
    const db = subgraph === 'audit' ? auditDb(fixture.audit) : fixture.db[subgraph];
    return expectIndexed(db, dialect, () => run(db));
  };

  // 住民記録システム
  test('窓口: a batch of residents by 宛名番号', plan('residents', (db) => residents.findResidentsByIds(db, atenaNos)));
  test('窓口: a batch of residents by 住民票コード', plan('residents', (db) => residents.findResidentsByCodes(db, juminhyoCodes)));
  test('窓口: a resident’s 個人番号 by 宛名番号', plan('residents', (db) => residents.findIndividualNumbers(db, atenaNos)));
  test('窓口: the members of a household by 世帯番号', plan('residents', (db) => residents.findHouseholdMembers(db, householdNos)));
  test('窓口: the kana-prefix search, a page and its count', plan('residents', (db) => residents.searchResidents(db, { kanaPrefix }, { first: 20, afterId: null })));
  test('窓口: the kana-prefix search, the next page', plan('residents', (db) => residents.searchResidents(db, { kanaPrefix, status: ['RESIDENT'] }, { first: 20, afterId: atenaNos[0] })));
  test('窓口: residents born in a date range', plan('residents', (db) => residents.searchResidents(db, { birthDateFrom: '1980-01-01', birthDateTo: '1980-12-31' }, { first: 20, afterId: null })));
  test('窓口: residents by address-code prefix', plan('residents', (db) => residents.searchResidents(db, { addressCode }, { first: 20, afterId: null })));
  // The dashboard aggregate reads every living resident: on SQLite (a blocking driver) through
  // covering indexes in group order; PostgreSQL's planner rightly prefers a sequential scan for an
  // aggregate over most of a table, and its driver does not block the subgraph.
  if (dialect === 'sqlite') {
    test('ダッシュボード: population statistics over the living register', plan('residents', (db) => residents.countRegisterGroups(db)));
  }

  // 住基ネット CS
  test('CS端末: identities by 住民票コード', plan('juki-cs', (db) => jukiCs.findIdentitiesByCodes(db, juminhyoCodes)));
  test('CS端末: an identity by 個人番号', plan('juki-cs', (db) => jukiCs.findIdentitiesByIndividualNumbers(db, kojinNos)));
  test('CS端末: 個人番号 by 住民票コード', plan('juki-cs', (db) => jukiCs.findIndividualNumbers(db, juminhyoCodes)));
  const identity = (filter: Partial<IdentitySearchFilter>): IdentitySearchFilter => ({ name: null, nameKana: null, birthDate: null, sex: null, address: null, ...filter });
  test('CS端末 4情報検索: kana prefix + birth date', plan('juki-cs', (db) => jukiCs.searchIdentities(db, identity({ nameKana: csKanaPrefix, birthDate: csBirthDate }), 20)));
  test('CS端末 4情報検索: kana prefix only', plan('juki-cs', (db) => jukiCs.searchIdentities(db, identity({ nameKana: csKanaPrefix }), 20)));
  test('CS端末 4情報検索: name + birth date', plan('juki-cs', (db) => jukiCs.searchIdentities(db, identity({ name: csName, birthDate: csBirthDate }), 20)));
  test('CS端末 4情報検索: name + sex', plan('juki-cs', (db) => jukiCs.searchIdentities(db, identity({ name: csName, sex: 'FEMALE' }), 20)));
  test('CS端末 4情報検索: birth date + sex', plan('juki-cs', (db) => jukiCs.searchIdentities(db, identity({ birthDate: csBirthDate, sex: 'MALE' }), 20)));
  test('CS端末 4情報検索: kana prefix + birth date + address', plan('juki-cs', (db) => jukiCs.searchIdentities(db, identity({ nameKana: csKanaPrefix, birthDate: csBirthDate, address: '東京都世田谷区' }), 20, true)));

  // 中間サーバ
  test('中間サーバ: linkage by 宛名番号', plan('intermediate', (db) => intermediate.findLinkagesByResidentIds(db, atenaNos)));
  test('中間サーバ: linkage by 団体内統合宛名番号', plan('intermediate', (db) => intermediate.findLinkagesByIntegratedAddressNumbers(db, togoAtenaNos)));
  test('中間サーバ: the newest 情報提供等記録 of a person', plan('intermediate', (db) => intermediate.findProvisionRecords(db, togoAtenaNos, 10)));

  // カード交付進捗
  test('カード窓口: the latest card by 宛名番号', plan('card-progress', (db) => cardProgress.findLatestCards(db, cardAtenaNos)));
  test('カード窓口: the progress events of an application', plan('card-progress', (db) => cardProgress.findCardEvents(db, shinseiIds)));
  test('カード窓口: the reservation of an application', plan('card-progress', (db) => cardProgress.findReservations(db, shinseiIds)));

  // 監査証跡
  test('監査: records of one operator (subject)', plan('audit', () => fixture.audit.query({ subject }, { first: 100 })));
  test('監査: records naming one person', plan('audit', () => fixture.audit.query({ personId }, { first: 100 })));
  test('監査: records of one field', plan('audit', () => fixture.audit.query({ field }, { first: 100 })));
  test('監査: records of a period', plan('audit', () => fixture.audit.query({ from: '2026-11-04T00:00:00+09:00', to: '2026-11-05T00:00:00+09:00' }, { first: 100 })));
  test('監査: one operator in a period, newest first', plan('audit', () => fixture.audit.query({ subject, from: '2026-11-04T00:00:00+09:00', to: '2026-11-06T00:00:00+09:00' }, { first: 100, order: 'desc' })));
});
