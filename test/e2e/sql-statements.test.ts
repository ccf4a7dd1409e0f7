import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { ApprovalBook } from '../../lib/bulk/approvals';
import { migrateBulkToLatest } from '../../lib/bulk/migrations';
import {
  TypeInfo,
  buildASTSchema,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  isUnionType,
  parse,
  visit,
  visitWithTypeInfo,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { LEGACY_SUBGRAPH_NAMES, SUBGRAPH_NAMES, type SubgraphName } from '../../lib/subgraphs';
import { openAuditStore } from '../../lib/audit/store';
import { auditSqliteConfig } from '../../lib/audit/config';
import { REFERENCE_DATE } from '../../generator/dates';
import { prepareSupergraphForGateway } from '../../gateway/supergraph-security';
import { WORKLOADS, type Workload } from '../../scripts/bench/workloads';
import { plantedTrail, PERIOD } from '../support/generated-trail';
import type { GraphQLBody } from '../support/graphql';
import { startFederation, type Federation } from '../support/federation';
import { openTrustedDocumentStore } from '../../lib/trusted-documents/store';
import { documentHashOf } from '../../lib/trusted-documents/manifest';

/**
 * No per-row queries anywhere (issue 5): the SQL statements each subgraph runs for an operation
 * must not grow with the number of rows it returns — one statement per DataLoader batch, one
 * batch per level of the plan. Checked here for
 *  - every benchmark workload (scripts/bench/workloads.ts, imported: the bench and this test
 *    cannot drift), at 1 / 10 / 100 / 1,000 rows where the workload has a row count;
 *  - every list field of the composed API schema (read from schema/supergraph.graphql: a list
 *    field added to the schema and missing from LIST_COVERAGE below fails the suite), each with an
 *    operation that returns it for 1 / 10 / 100 / 1,000 parent rows (or as many as the API or the
 *    synthetic data can give, said where so), or a named exemption whose statements are counted too;
 *  - the audit subgraph, whose statements are those of its store's own connection (the harness
 *    counts them), over a generated trail of a few thousand records.
 * The counts are printed (console.log) for the closing note and for anyone tuning the adapters.
 */

const ROW_COUNTS = [1, 10, 100, 1000] as const;

type Counts = Record<SubgraphName, number>;
type Data = Record<string, any>;

interface Answer {
  body: GraphQLBody;
  counts: Counts;
}

// ---------------------------------------------------------------------------------------------
// The federation: the suite's seeded legacy databases (1,500 residents, test/support/global-setup.ts)
// and an audit trail holding the generated fortnight of test/audit (≈4,000 records), so that an
// audit page of 1,000 records exists.

let federation: Federation;
let workDir: string;
let trailLength: number;

/** Bulk-output approvals beside the trail (lib/bulk/), so that a page of 1,000 exists. */
async function seedApprovals(auditFile: string, count: number): Promise<void> {
  const db = knexFactory(auditSqliteConfig(auditFile));
  try {
    await migrateBulkToLatest(db);
    await db.transaction(async (trx) => {
      const book = new ApprovalBook(trx);
      for (let index = 0; index < count; index++) {
        await book.issue({
          id: randomUUID(),
          grantee: `dev:clerk-${index}`,
          purpose: 'school-enrolment',
          maxPersons: 1000,
          validFrom: '2026-11-01T00:00:00+09:00',
          validTo: '2026-11-30T00:00:00+09:00',
          reason: 'synthetic',
          issuedBy: 'dev:terminal-manager',
          issuedByDepartment: 'registry-division',
          issuedAt: '2026-10-31T09:00:00+09:00',
        });
      }
    });
  } finally {
    await db.destroy();
  }
}

/** Registered documents of one synthetic app (lib/trusted-documents/), so that a page of 1,000 exists. */
async function seedTrustedDocuments(auditFile: string, count: number): Promise<void> {
  const registry = await openTrustedDocumentStore(auditSqliteConfig(auditFile));
  try {
    const documents = Array.from({ length: count }, (_, index) => {
      const document = `query Head${index} { auditChainStatus { recordCount } }`;
      return { hash: documentHashOf(document), document };
    });
    await registry.register('sql-probe', '1.0.0', documents);
  } finally {
    await registry.close();
  }
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-sql-statements-'));
  const auditFile = path.join(workDir, 'audit.sqlite');
  const store = await openAuditStore({ config: auditSqliteConfig(auditFile) });
  const { entries } = plantedTrail();
  trailLength = entries.length;
  await store.append(entries);
  await store.close();
  await seedApprovals(auditFile, 1000);
  await seedTrustedDocuments(auditFile, 1000);
  federation = await startFederation({ auditFile });
  // The audit subgraph checks its bulk-output tables' migrations once per process, on first use:
  // not a per-request statement.
  expect((await federation.query('security-officer', '{ bulkApprovals(first: 1) { approvals { id } } }')).body.errors).toBeUndefined();
  expect((await federation.query('security-officer', '{ trustedDocuments(first: 1) { documents { hash } } }')).body.errors).toBeUndefined();
}, 120_000);

afterAll(async () => {
  await federation?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

/** One operation on its own: the statements each subgraph ran for it, and its answer. */
async function run(persona: string, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  federation.resetStatements();
  const { body } = await federation.query(persona, query, variables);
  const counts = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, federation.statements[name].length])) as Counts;
  return { body, counts };
}

function errorCodes(body: GraphQLBody): string[] {
  return (body.errors ?? []).map((error) => String(error.extensions?.code ?? error.message));
}

function formatCounts(counts: Counts): string {
  return SUBGRAPH_NAMES.map((name) => String(counts[name]).padStart(name.length)).join(' | ');
}

const COUNTS_HEADER = SUBGRAPH_NAMES.join(' | ');

// ---------------------------------------------------------------------------------------------
// The first list query this test covered: a page of residents with fields from all four legacy
// subgraphs, several levels deep. Kept as it was (it is the README's example).

const LIST_WITH_HOUSEHOLD_IDENTITY_AND_CARD = /* GraphQL */ `
  query List($first: Int!) {
    residents(first: $first, filter: { status: [RESIDENT] }) {
      edges {
        node {
          id
          individualNumber
          name { kanji }
          household { id head { id } members { id name { kanji } } }
          identityInfo { residentCode individualNumber changeReason }
          informationLinkage { codeStatus provisionRecords { result } }
          myNumberCard { status events { status } reservation { scheduledAt } }
        }
      }
    }
  }
`;

describe('SQL statements per operation do not grow with rows', () => {
  const counts: Record<number, Counts> = {};

  beforeAll(async () => {
    for (const rows of ROW_COUNTS) {
      const answer = await run('registry-clerk', LIST_WITH_HOUSEHOLD_IDENTITY_AND_CARD, { first: rows });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data!.residents.edges).toHaveLength(rows);
      counts[rows] = answer.counts;
    }
    console.log(`SQL statements per subgraph by rows:\n${JSON.stringify(counts, null, 2)}`);
  }, 120_000);

  test.each(LEGACY_SUBGRAPH_NAMES)('%s runs the same number of statements for 1, 10, 100 and 1,000 residents', (name) => {
    const perRows = ROW_COUNTS.map((rows) => counts[rows][name]);
    expect(perRows[0]).toBeGreaterThan(0);
    expect(new Set(perRows).size).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Every benchmark workload.

/**
 * (c) as the bench runs it searches for one fixture person (one match whatever `first` is).
 * For 10 and 100 rows the criteria must match more persons: the same search by kana and
 * address — still two of the 4 information, as the API requires — matches 185 of the 1,500
 * synthetic persons (フリガナ starting with サ, address in 世田谷区). searchIdentity takes
 * first ≤ 100 (a 4情報検索 gives a clerk candidates, never a bulk list), so (c) is checked at
 * 1, 10 and 100 rows, and 1,000 is checked to be refused before any SQL.
 */
const BROAD_VARIABLES: Partial<Record<Workload['id'], Record<string, unknown>>> = {
  c: { criteria: { nameKana: 'サ', address: '東京都世田谷区' } },
};

/** Workloads without a row count ((a) one resident, (d) one aggregate): at most this many statements per subgraph. */
const FIXED_STATEMENT_LIMIT = 6;
const FIXED_RUNS = 3;

/** The largest list in an answer (depth first): a workload's rows. */
function rowsOf(value: unknown): number {
  if (Array.isArray(value)) return Math.max(value.length, ...value.map(rowsOf));
  if (value && typeof value === 'object') return Math.max(0, ...Object.values(value).map(rowsOf));
  return 0;
}

describe('every benchmark workload', () => {
  const printed: string[] = [];
  afterAll(() => {
    console.log(`SQL statements per subgraph, benchmark workloads (scripts/bench/workloads.ts):\n| workload | rows | ${COUNTS_HEADER} |\n${printed.join('\n')}`);
  });

  test('every workload the bench runs is checked below (with a row count, or fixed)', () => {
    expect(WORKLOADS.length).toBeGreaterThanOrEqual(4);
    expect(new Set(WORKLOADS.map((workload) => workload.id)).size).toBe(WORKLOADS.length);
  });

  const withRows = WORKLOADS.filter((workload) => workload.rows);
  const withoutRows = WORKLOADS.filter((workload) => !workload.rows);

  test.each(withRows.map((workload) => [workload.title, workload] as const))('%s: the same statements per subgraph for every row count', async (_title, workload) => {
    const rows = workload.rows!;
    const variables = BROAD_VARIABLES[workload.id] ?? workload.variables;
    // The bench's own operation is the builder's at the bench's row count.
    expect(workload.query).toBe(rows.query(rows.bench));
    const perRows: Record<number, Counts> = {};
    for (const n of ROW_COUNTS.filter((count) => count <= rows.max)) {
      const answer = await run(workload.persona, rows.query(n), variables);
      expect({ rows: n, errors: answer.body.errors }).toEqual({ rows: n, errors: undefined });
      expect({ rows: n, returned: rowsOf(answer.body.data) }).toEqual({ rows: n, returned: n });
      perRows[n] = answer.counts;
      printed.push(`| ${workload.id} | ${n} | ${formatCounts(answer.counts)} |`);
    }
    const all = Object.values(perRows);
    for (const name of SUBGRAPH_NAMES) expect({ subgraph: name, counts: all.map((counts) => counts[name]) }).toEqual({ subgraph: name, counts: all.map(() => all[0][name]) });
    expect(Math.max(...SUBGRAPH_NAMES.map((name) => all[0][name]))).toBeGreaterThan(0);

    // The bench's own variables (one fixture person in (c)) cost what the broader search costs.
    const own = await run(workload.persona, workload.query, workload.variables);
    expect(own.body.errors).toBeUndefined();
    expect(own.counts).toEqual(all[0]);
    printed.push(`| ${workload.id} (bench: ${rows.bench} asked, ${rowsOf(own.body.data)} returned) | — | ${formatCounts(own.counts)} |`);

    // Beyond the API's page size the request is refused before any statement runs.
    const over = ROW_COUNTS.find((count) => count > rows.max) ?? rows.max + 1;
    const refused = await run(workload.persona, rows.query(over), variables);
    expect(errorCodes(refused.body)).toContain('BAD_USER_INPUT');
    expect(Object.values(refused.counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  test.each(withoutRows.map((workload) => [workload.title, workload] as const))('%s: a fixed small number of statements per subgraph, the same every run', async (_title, workload) => {
    const runs: Counts[] = [];
    for (let i = 0; i < FIXED_RUNS; i++) {
      const answer = await run(workload.persona, workload.query, workload.variables);
      expect(answer.body.errors).toBeUndefined();
      runs.push(answer.counts);
    }
    printed.push(`| ${workload.id} | (fixed, ${FIXED_RUNS} runs) | ${formatCounts(runs[0])} |`);
    for (const counts of runs) expect(counts).toEqual(runs[0]);
    expect(Math.max(...SUBGRAPH_NAMES.map((name) => runs[0][name]))).toBeGreaterThan(0);
    for (const name of SUBGRAPH_NAMES) expect({ subgraph: name, statements: runs[0][name] <= FIXED_STATEMENT_LIMIT }).toEqual({ subgraph: name, statements: true });
  });
});

// ---------------------------------------------------------------------------------------------
// Every list field of the API schema.

const SUPERGRAPH = fs.readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');

/** The API schema as the planner gets it (join internals are not reachable from Query, so never walked). */
function apiSchema(): GraphQLSchema {
  return buildASTSchema(parse(prepareSupergraphForGateway(SUPERGRAPH).plannerSdl), { assumeValidSDL: true });
}

function isList(type: GraphQLOutputType | GraphQLInputType): boolean {
  return isListType(getNullableType(type));
}

/**
 * Every list coordinate a caller can reach from Query: output fields whose type is a list
 * (`Type.field`), input fields of a list type (`Input.field`) and arguments of a list type
 * (`Type.field(argument:)`).
 */
function reachableListCoordinates(schema: GraphQLSchema): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const queue: GraphQLNamedType[] = [schema.getQueryType()!];
  const enqueue = (type: GraphQLNamedType) => {
    if (!seen.has(type.name)) {
      seen.add(type.name);
      queue.push(type);
    }
  };
  while (queue.length) {
    const type = queue.shift()!;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (isList(field.type)) found.add(`${type.name}.${field.name}`);
        for (const argument of field.args) {
          if (isList(argument.type)) found.add(`${type.name}.${field.name}(${argument.name}:)`);
          enqueue(getNamedType(argument.type));
        }
        enqueue(getNamedType(field.type));
      }
    } else if (isUnionType(type)) {
      for (const member of type.getTypes()) enqueue(member);
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (isList(field.type)) found.add(`${type.name}.${field.name}`);
        enqueue(getNamedType(field.type));
      }
    }
  }
  return [...found].sort();
}

/** The coordinates an operation selects (`Type.field`) or fills in inline (`Input.field`). */
function selectedCoordinates(schema: GraphQLSchema, query: string): Set<string> {
  const coordinates = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    parse(query),
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent) coordinates.add(`${parent.name}.${node.name.value}`);
      },
      // A list argument's coordinate, `Type.field(argument:)`, as reachableListCoordinates names it.
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (parent && field) coordinates.add(`${parent.name}.${field.name}(${node.name.value}:)`);
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        if (parent) coordinates.add(`${getNamedType(parent).name}.${node.name.value}`);
      },
    }),
  );
  return coordinates;
}

/** An operation run at several row counts: `$rows` (or what `variables` makes of it). */
interface ListOperation {
  persona: string;
  query: string;
  /** The variables for `rows` rows; default `{ rows }`. */
  variables?: (rows: number) => Record<string, unknown>;
  /** Row counts asked for; default 1, 10, 100, 1,000. Fewer only where the API or the data cannot give more (say why in `note`). */
  rowCounts?: readonly number[];
  /** Error codes that may come with the answer (e.g. a row rule nulling some fields). */
  allowedErrors?: readonly string[];
}

interface Covered {
  /** Response keys from the root down to the list (lists on the way are walked through). */
  path: readonly string[];
  operation: ListOperation;
  /** A root list: exactly `rows` items come back. Otherwise the list is under `rows` parent rows. */
  exact?: boolean;
  /** The subgraphs whose statements fetch the rows: they must run SQL at every row count. */
  subgraphs: readonly SubgraphName[];
  note?: string;
}

/**
 * A list that has no row count a caller controls (aggregate cells, lists computed in memory). Only
 * where no per-row query is behind it: its statements are counted by `check` all the same.
 */
interface Exempt {
  exempt: string;
  persona: string;
  query: string;
  /** Variables of the runs compared by `check`. */
  runs: readonly Record<string, unknown>[];
  check(answers: readonly Answer[]): void;
}

type Coverage = Covered | Exempt;

const rowsVariables = (rows: number) => ({ rows });

const residentPage = (selection: string) => `query Rows($rows: Int!) { residents(first: $rows) { edges { node { id ${selection} } } } }`;

const PROVISION_RECORDS = residentPage('informationLinkage { integratedAddressNumber codeStatus provisionRecords { id requestedAt requester legalBasis items result autoResponse } }');

const AUDIT_RECORD_LISTS = `query Records($rows: Int!) { auditRecords(first: $rows) {
  records { sequence roles grantedFields maskedFields deniedFields { coordinate policy } personIds errorCodes }
} }`;

const TRUSTED_DOCUMENTS = `query Documents($rows: Int!) { trustedDocuments(first: $rows) {
  documents { hash status apps { name version } fields { coordinate policies classifications } profiles { department role purpose masked } problems } pageInfo { hasNextPage endCursor }
} }`;

const FINDINGS = `query Findings($rows: Int!, $from: String!, $to: String!) { auditAnomalyReport(from: $from, to: $to) {
  recordCount warnings findings { kind subject window count recordSequences records(first: $rows) { sequence subject personIds } }
} }`;

/**
 * The movements period that spans `months` months, ending on the last day before the synthetic
 * world's reference date (the newest movements are in its last month).
 */
function movementMonths(months: number): { from: string; to: string } {
  const [y, m] = REFERENCE_DATE.split('-').map(Number);
  const to = new Date(Date.UTC(y, m - 1, 0)).toISOString().slice(0, 10);
  const from = new Date(Date.UTC(y, m - 1 - months, 1)).toISOString().slice(0, 10);
  return { from, to };
}

const STATISTICS_RUNS = [{}, {}, {}];

/** Every run counted the same statements, no more than `expected` per subgraph, and fewer than the cells returned. */
function sameFixedCounts(expected: Partial<Counts>, cellsOf: (data: Data) => number) {
  return (answers: readonly Answer[]) => {
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    for (const answer of answers) expect(answer.counts).toEqual(answers[0].counts);
    const counts = answers[0].counts;
    for (const name of SUBGRAPH_NAMES) expect({ subgraph: name, statements: counts[name] }).toEqual({ subgraph: name, statements: expected[name] ?? 0 });
    const statements = SUBGRAPH_NAMES.reduce((sum, name) => sum + counts[name], 0);
    expect(cellsOf(answers[0].body.data!)).toBeGreaterThan(statements);
  };
}

const cellCount = (data: Data, root: string) => Object.values(data[root] as Record<string, unknown[]>).reduce((sum, cells) => sum + (Array.isArray(cells) ? cells.length : 0), 0);

const POPULATION_STATISTICS: Exempt = {
  exempt:
    'aggregate cells: one GROUP BY statement per dimension (subgraphs/residents/legacy/adapter.ts countRegisterGroups), ' +
    'the number of cells is fixed by the data (districts, age bands, sexes, types, statuses), not by a page; ' +
    'counted: 6 statements every run (under SQLite on the aggregate worker\'s own connection, subgraphs/shared/aggregate-worker.ts, counted all the same), ' +
    'fewer than the cells returned (movementsByMonth, whose cells a caller does control, is covered with rows)',
  persona: 'dx-analyst',
  query: `{ populationStatistics { residentTotal byDistrict { key label count suppressed } byAgeBand { key count } bySex { key count } byResidentType { key count } byStatus { key count } } }`,
  runs: STATISTICS_RUNS,
  check: sameFixedCounts({ residents: 6 }, (data) => cellCount(data, 'populationStatistics')),
};

const CARD_STATISTICS: Exempt = {
  exempt:
    'aggregate cells: one GROUP BY statement per dimension (subgraphs/card-progress/legacy/adapter.ts countApplicationGroups), ' +
    'the cells are fixed by the data (card states, issuing offices); counted: 2 statements every run (under SQLite on the aggregate worker), fewer than the cells returned',
  persona: 'dx-analyst',
  query: `{ cardIssuanceStatistics { byStatus { key label count suppressed } byOffice { key label count suppressed } } }`,
  runs: STATISTICS_RUNS,
  check: sameFixedCounts({ 'card-progress': 2 }, (data) => cellCount(data, 'cardIssuanceStatistics')),
};

/**
 * Rule versions (issue 12) in POLICY_STORE=dir, the mode of this suite: the readable views are
 * computed in memory from the policy files and the supergraph, no SQL statement at all; the
 * store's lists (versions, proposals, revocations) are empty here. On the version store they read
 * one page per statement: test/rule-versions/two-officers.test.ts (PostgreSQL).
 */
const RULE_VIEWS: Exempt = {
  exempt: 'computed in memory from the rule files (POLICY_STORE=dir here): no statement; counted: none, every run',
  persona: 'security-officer',
  query: `query Views {
    rulesInForce {
      files { name }
      fieldRules(coordinatePrefix: "Resident.") { coordinate policies readers { roles departments purposes legalBasis } profiles { key } }
      profileRules(department: "taxation-division") { policies readableFields }
      policies { grants { policy } }
      purposes { legalBasis }
    }
    ruleVersions { versions { id } }
    ruleProposals { proposals { id changedFiles files { name } } }
    unconfirmedRevocations { id }
    validateRuleFiles(files: [{ name: "roles.yaml", content: "version: [" }]) { valid issues { text } }
  }`,
  runs: [{}, {}],
  check(answers) {
    for (const answer of answers) {
      expect(answer.body.errors).toBeUndefined();
      expect(answer.counts).toEqual(zeroCounts());
      expect(answer.body.data!.rulesInForce.fieldRules.length).toBeGreaterThan(5);
      expect(answer.body.data!.validateRuleFiles.issues.length).toBeGreaterThan(0);
    }
  },
};

/** Dry run, replay and shadow report need the version store: refused in this suite's dir mode, before any statement. */
const RULE_DRY_RUN: Exempt = {
  exempt: 'needs the version store (POLICY_STORE=database; covered there by test/rule-versions/two-officers.test.ts): here POLICY_STORE_DISABLED before any statement',
  persona: 'security-officer',
  query: `query DryRun($id: ID!) {
    ruleProposalDryRun(id: $id) { fields changedFiles revocationsAdded revocationsRemoved rows { newlyAllowed newlyRefused policiesGained policiesLost } }
    ruleProposalReplay(id: $id, from: "2026-11-01", to: "2026-11-30") { newlyRefused { users { subject } departments { department } fields { coordinate } sampleSequences } }
    ruleShadowReport(id: $id) { newlyAllowed { users { subject } } }
  }`,
  runs: [{ id: '00000000-0000-0000-0000-000000000000' }, { id: '00000000-0000-0000-0000-000000000001' }],
  check(answers) {
    for (const answer of answers) {
      // The first non-null root field's refusal nulls `data`: one error, the store's code.
      expect(errorCodes(answer.body)).toEqual(['POLICY_STORE_DISABLED']);
      expect(answer.counts).toEqual(zeroCounts());
    }
  },
};

/** A single day of the generated fortnight (few records, fewer findings) and the whole fortnight. */
const REPORT_PERIODS = [
  { rows: 100, from: '2026-11-05', to: '2026-11-05' },
  { rows: 100, from: PERIOD.from, to: PERIOD.to },
];

const ANOMALY_REPORT: Exempt = {
  exempt:
    'computed in memory (lib/audit/anomalies.ts) from the records of the period, which the report reads one statement per ' +
    '1,000 records, by design (subgraphs/audit/adapter.ts recordsInPeriod; test/subgraphs/audit/audit.test.ts "one page (statement) per 1,000 records"): ' +
    'no statement per finding; counted: for a day and for the fortnight, the statements are exactly the pages of the period, whatever the findings',
  persona: 'security-officer',
  query: FINDINGS,
  runs: REPORT_PERIODS,
  check(answers) {
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    const findings = answers.map((answer) => answer.body.data!.auditAnomalyReport.findings.length as number);
    expect(findings[1]).toBeGreaterThan(findings[0]);
    for (const answer of answers) {
      const records = answer.body.data!.auditAnomalyReport.recordCount as number;
      expect({ records, statements: answer.counts }).toEqual({ records, statements: { ...zeroCounts(), audit: Math.max(1, Math.ceil(records / 1000)) } });
    }
  },
};

function zeroCounts(): Counts {
  return Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, 0])) as Counts;
}

/**
 * Every list coordinate of the API schema → the operation that exercises it with N rows, or a
 * named exemption. A list field added to the schema fails 'every list field is in the table'
 * until it is added here; a coordinate whose statements grow with rows fails its own test.
 */
const LIST_COVERAGE: Record<string, Coverage> = {
  // residents (住民記録システム)
  'ResidentConnection.edges': {
    path: ['residents', 'edges'],
    exact: true,
    operation: { persona: 'registry-clerk', query: residentPage('name { kanji } status') },
    subgraphs: ['residents'],
  },
  'ResidentFilter.status': {
    path: ['residents', 'edges'],
    exact: true,
    operation: {
      persona: 'registry-clerk',
      query: `query Rows($rows: Int!) { residents(first: $rows, filter: { status: [RESIDENT, MOVED_OUT, DECEASED, ERASED] }) { edges { node { id status } } } }`,
    },
    subgraphs: ['residents'],
    note: 'an input list: one whereIn of the page statement',
  },
  'Resident.movements': {
    path: ['residents', 'edges', 'node', 'movements'],
    // branch-clerk may not see where persons under 支援措置 live: the addresses go through the
    // row rule's loader (one statement per batch), which a per-row check would show here.
    operation: { persona: 'branch-clerk', query: residentPage('movements { sequence reason occurredOn { iso } addressBefore addressAfter }'), allowedErrors: ['SUPPORT_MEASURE_RESTRICTED'] },
    subgraphs: ['residents'],
  },
  'Resident.certificateIssuances': {
    path: ['residents', 'edges', 'node', 'certificateIssuances'],
    operation: { persona: 'registry-clerk', query: residentPage('certificateIssuances { id kind issuedOn { iso } office copies requester }') },
    subgraphs: ['residents'],
  },
  'PersonName.gaijiCodes': {
    path: ['residents', 'edges', 'node', 'name', 'gaijiCodes'],
    operation: { persona: 'registry-clerk', query: residentPage('name { kanji containsGaiji gaijiCodes }') },
    subgraphs: ['residents'],
    note: 'a scalar list computed from the name column',
  },
  'Household.members': {
    path: ['residents', 'edges', 'node', 'household', 'members'],
    operation: { persona: 'registry-clerk', query: residentPage('household { id head { id } members { id name { kanji } relationshipToHead { label } } }') },
    subgraphs: ['residents'],
  },
  'PopulationStatistics.movementsByMonth': {
    path: ['populationStatistics', 'movementsByMonth'],
    operation: {
      persona: 'dx-analyst',
      query: `query Months($from: String!, $to: String!) { populationStatistics(movementsFrom: $from, movementsTo: $to) { movementsByMonth { key label count suppressed } } }`,
      variables: movementMonths,
    },
    subgraphs: ['residents'],
    note: 'rows = months in the period (a cell per month with movements: the synthetic movements span ≈290 months, so at most that many cells)',
  },
  'PopulationStatistics.byDistrict': POPULATION_STATISTICS,
  'PopulationStatistics.byAgeBand': POPULATION_STATISTICS,
  'PopulationStatistics.bySex': POPULATION_STATISTICS,
  'PopulationStatistics.byResidentType': POPULATION_STATISTICS,
  'PopulationStatistics.byStatus': POPULATION_STATISTICS,

  // juki-cs (市町村CS)
  'IdentitySearchResult.matches': {
    path: ['searchIdentity', 'matches'],
    exact: true,
    operation: {
      persona: 'registry-clerk',
      query: `query Search($rows: Int!, $criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: $rows) {
        matches { residentCode name birthDate { iso } individualNumber resident { id name { kanji } } } truncated
      } }`,
      variables: (rows) => ({ rows, ...BROAD_VARIABLES.c }),
      rowCounts: [1, 10, 100],
    },
    subgraphs: ['juki-cs', 'residents'],
    note: 'searchIdentity takes first ≤ 100 (1,000 is refused: see workload (c)); each match joined to the register',
  },

  // intermediate (中間サーバ)
  'InformationLinkage.provisionRecords': {
    path: ['residents', 'edges', 'node', 'informationLinkage', 'provisionRecords'],
    operation: { persona: 'registry-clerk', query: PROVISION_RECORDS },
    subgraphs: ['residents', 'intermediate'],
  },
  'ProvisionRecord.items': {
    path: ['residents', 'edges', 'node', 'informationLinkage', 'provisionRecords', 'items'],
    operation: { persona: 'registry-clerk', query: PROVISION_RECORDS },
    subgraphs: ['residents', 'intermediate'],
    note: 'a scalar list read with its record',
  },

  // card-progress (個人番号カード交付進捗)
  'MyNumberCard.events': {
    path: ['residents', 'edges', 'node', 'myNumberCard', 'events'],
    operation: {
      persona: 'registry-clerk',
      query: residentPage('myNumberCard { applicationId status events { sequence status occurredAt office { code name } } reservation { scheduledAt office { name } } }'),
    },
    subgraphs: ['residents', 'card-progress'],
  },
  'CardIssuanceStatistics.byStatus': CARD_STATISTICS,
  'CardIssuanceStatistics.byOffice': CARD_STATISTICS,

  // audit (監査証跡): the store's statements, counted on its own connection
  'AuditRecordConnection.records': {
    path: ['auditRecords', 'records'],
    exact: true,
    operation: { persona: 'security-officer', query: `query Records($rows: Int!) { auditRecords(first: $rows) { records { sequence kind occurredAt subject decision } pageInfo { hasNextPage endCursor } } }` },
    subgraphs: ['audit'],
  },
  'AuditRecord.roles': { path: ['auditRecords', 'records', 'roles'], operation: { persona: 'security-officer', query: AUDIT_RECORD_LISTS }, subgraphs: ['audit'], note: 'read with the record' },
  'AuditRecord.grantedFields': { path: ['auditRecords', 'records', 'grantedFields'], operation: { persona: 'security-officer', query: AUDIT_RECORD_LISTS }, subgraphs: ['audit'], note: 'read with the record' },
  'AuditRecord.deniedFields': { path: ['auditRecords', 'records', 'deniedFields'], operation: { persona: 'security-officer', query: AUDIT_RECORD_LISTS }, subgraphs: ['audit'], note: 'read with the record' },
  'AuditRecord.maskedFields': { path: ['auditRecords', 'records', 'maskedFields'], operation: { persona: 'security-officer', query: AUDIT_RECORD_LISTS }, subgraphs: ['audit'], note: 'read with the record' },
  'AuditRecord.personIds': { path: ['auditRecords', 'records', 'personIds'], operation: { persona: 'security-officer', query: AUDIT_RECORD_LISTS }, subgraphs: ['audit'], note: 'read with the record' },
  'AuditRecord.errorCodes': { path: ['auditRecords', 'records', 'errorCodes'], operation: { persona: 'security-officer', query: AUDIT_RECORD_LISTS }, subgraphs: ['audit'], note: 'read with the record' },
  'AnomalyFinding.records': {
    path: ['auditAnomalyReport', 'findings', 'records'],
    operation: { persona: 'security-officer', query: FINDINGS, variables: (rows) => ({ rows, from: PERIOD.from, to: PERIOD.to }) },
    subgraphs: ['audit'],
    note: "rows = records(first:) of each of the fortnight's findings (the largest finding has 400 records)",
  },
  'BulkApprovalConnection.approvals': {
    path: ['bulkApprovals', 'approvals'],
    exact: true,
    operation: { persona: 'security-officer', query: `query Approvals($rows: Int!) { bulkApprovals(first: $rows) { approvals { id grantee purpose status personsUsed } pageInfo { hasNextPage endCursor } } }` },
    subgraphs: ['audit'],
    note: '1,000 synthetic approvals seeded beside the trail',
  },
  // rule versions (issue 12)
  'RuleVersion.files': RULE_VIEWS,
  'RuleVersion.fieldRules': RULE_VIEWS,
  'RuleVersion.profileRules': RULE_VIEWS,
  'RuleVersion.policies': RULE_VIEWS,
  'RuleVersion.purposes': RULE_VIEWS,
  'FieldRule.policies': RULE_VIEWS,
  'FieldRule.readers': RULE_VIEWS,
  'FieldRule.profiles': RULE_VIEWS,
  'RuleGrantView.roles': RULE_VIEWS,
  'RuleGrantView.departments': RULE_VIEWS,
  'RuleGrantView.purposes': RULE_VIEWS,
  'RuleGrantView.legalBasis': RULE_VIEWS,
  'ProfileRule.policies': RULE_VIEWS,
  'ProfileRule.readableFields': RULE_VIEWS,
  'PolicyView.grants': RULE_VIEWS,
  'PurposeView.legalBasis': RULE_VIEWS,
  'RuleVersionConnection.versions': RULE_VIEWS,
  'RuleProposalConnection.proposals': RULE_VIEWS,
  'RuleProposal.changedFiles': RULE_VIEWS,
  'RuleProposal.files': RULE_VIEWS,
  'Query.unconfirmedRevocations': RULE_VIEWS,
  'Query.validateRuleFiles(files:)': RULE_VIEWS,
  'RuleValidation.issues': RULE_VIEWS,
  'RuleDryRun.fields': RULE_DRY_RUN,
  'RuleDryRun.rows': RULE_DRY_RUN,
  'RuleDryRun.revocationsAdded': RULE_DRY_RUN,
  'RuleDryRun.revocationsRemoved': RULE_DRY_RUN,
  'RuleDryRun.changedFiles': RULE_DRY_RUN,
  'RuleDryRunRow.newlyAllowed': RULE_DRY_RUN,
  'RuleDryRunRow.newlyRefused': RULE_DRY_RUN,
  'RuleDryRunRow.policiesGained': RULE_DRY_RUN,
  'RuleDryRunRow.policiesLost': RULE_DRY_RUN,
  'RuleImpact.users': RULE_DRY_RUN,
  'RuleImpact.departments': RULE_DRY_RUN,
  'RuleImpact.fields': RULE_DRY_RUN,
  'RuleImpact.sampleSequences': RULE_DRY_RUN,
  'TrustedDocumentConnection.documents': {
    path: ['trustedDocuments', 'documents'],
    exact: true,
    operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS },
    subgraphs: ['audit'],
    note: '1,000 registered documents seeded beside the trail; their apps in one statement per page',
  },
  'TrustedDocument.apps': { path: ['trustedDocuments', 'documents', 'apps'], operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS }, subgraphs: ['audit'], note: 'one statement per page' },
  'TrustedDocument.fields': { path: ['trustedDocuments', 'documents', 'fields'], operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS }, subgraphs: ['audit'], note: 'analysed in memory from the text' },
  'TrustedDocument.profiles': { path: ['trustedDocuments', 'documents', 'profiles'], operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS }, subgraphs: ['audit'], note: 'analysed in memory against the rules' },
  'TrustedDocument.problems': { path: ['trustedDocuments', 'documents', 'problems'], operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS }, subgraphs: ['audit'], note: 'validated in memory' },
  'TrustedDocumentField.policies': { path: ['trustedDocuments', 'documents', 'fields', 'policies'], operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS }, subgraphs: ['audit'], note: 'from the supergraph, in memory' },
  'TrustedDocumentProfile.masked': { path: ['trustedDocuments', 'documents', 'profiles', 'masked'], operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS }, subgraphs: ['audit'], note: 'analysed in memory against the rules' },
  'TrustedDocumentField.classifications': { path: ['trustedDocuments', 'documents', 'fields', 'classifications'], operation: { persona: 'security-officer', query: TRUSTED_DOCUMENTS }, subgraphs: ['audit'], note: 'from the rules, in memory' },
  'AnomalyReport.findings': ANOMALY_REPORT,
  'AnomalyReport.warnings': ANOMALY_REPORT,
  'AnomalyFinding.recordSequences': ANOMALY_REPORT,
};

/** The lists at `path` in an answer: how many there are (non-null) and how many items they hold. */
function listsAt(data: unknown, keys: readonly string[]): { lists: number; items: number } {
  let values: unknown[] = [data];
  for (const key of keys) {
    values = values.flatMap((value) => (Array.isArray(value) ? value : [value])).flatMap((value) => (value && typeof value === 'object' ? [(value as Record<string, unknown>)[key]] : []));
  }
  const lists = values.filter(Array.isArray) as unknown[][];
  return { lists: lists.length, items: lists.reduce((sum, list) => sum + list.length, 0) };
}

const isExempt = (coverage: Coverage): coverage is Exempt => 'exempt' in coverage;

describe('every list field of the API schema', () => {
  const schema = apiSchema();
  const printed: string[] = [];
  afterAll(() => {
    console.log(
      `SQL statements per subgraph, list fields (Type.field; lists = parent rows holding it, items = its rows):\n| coordinate | rows | lists / items | ${COUNTS_HEADER} |\n${printed.join('\n')}`,
    );
  });

  test('every list field reachable from Query is in the table, and the table names no field the schema lacks', () => {
    const inSchema = reachableListCoordinates(schema);
    expect(inSchema.length).toBeGreaterThan(20);
    expect({ missingFromTable: inSchema.filter((coordinate) => !(coordinate in LIST_COVERAGE)) }).toEqual({ missingFromTable: [] });
    expect({ notInSchema: Object.keys(LIST_COVERAGE).filter((coordinate) => !inSchema.includes(coordinate)) }).toEqual({ notInSchema: [] });
  });

  test.each(Object.entries(LIST_COVERAGE).map(([coordinate, coverage]) => [coordinate, coverage] as const))('%s: the operation in the table selects it', (coordinate, coverage) => {
    const query = isExempt(coverage) ? coverage.query : coverage.operation.query;
    expect(selectedCoordinates(schema, query)).toContain(coordinate);
  });

  // Operations shared by several coordinates run once per row count.
  const answers = new Map<string, Answer>();
  async function answerOf(persona: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
    const key = JSON.stringify([persona, query, variables]);
    let answer = answers.get(key);
    if (!answer) answers.set(key, (answer = await run(persona, query, variables)));
    return answer;
  }

  const covered = Object.entries(LIST_COVERAGE).filter((entry): entry is [string, Covered] => !isExempt(entry[1]));
  const exempt = Object.entries(LIST_COVERAGE).filter((entry): entry is [string, Exempt] => isExempt(entry[1]));

  test.each(covered)('%s: the same statements per subgraph for 1, 10, 100 and 1,000 rows', async (coordinate, coverage) => {
    const { operation } = coverage;
    const rowCounts = operation.rowCounts ?? ROW_COUNTS;
    const measured: { rows: number; lists: number; items: number; counts: Counts }[] = [];
    for (const rows of rowCounts) {
      const answer = await answerOf(operation.persona, operation.query, (operation.variables ?? rowsVariables)(rows));
      const unexpected = errorCodes(answer.body).filter((code) => !(operation.allowedErrors ?? []).includes(code));
      expect({ coordinate, rows, errors: unexpected }).toEqual({ coordinate, rows, errors: [] });
      const { lists, items } = listsAt(answer.body.data, coverage.path);
      measured.push({ rows, lists, items, counts: answer.counts });
      printed.push(`| ${coordinate} | ${rows} | ${lists} / ${items} | ${formatCounts(answer.counts)} |`);
    }
    // The list was really there at every row count, and more of it with more rows.
    for (const { rows, lists, items } of measured) {
      expect({ rows, present: lists > 0 }).toEqual({ rows, present: true });
      if (coverage.exact) expect({ rows, items }).toEqual({ rows, items: rows });
    }
    const first = measured[0];
    const last = measured[measured.length - 1];
    expect(last.lists + last.items).toBeGreaterThan(first.lists + first.items);
    // The statements per subgraph do not grow with rows.
    for (const name of SUBGRAPH_NAMES) {
      expect({ coordinate, subgraph: name, statements: measured.map((m) => m.counts[name]) }).toEqual({ coordinate, subgraph: name, statements: measured.map(() => first.counts[name]) });
    }
    for (const name of coverage.subgraphs) expect({ subgraph: name, ranSql: first.counts[name] > 0 }).toEqual({ subgraph: name, ranSql: true });
  });

  test.each(exempt)('%s: exempt (no row count to vary), its statements counted', async (coordinate, coverage) => {
    // Each run on its own (not shared): repeated runs must count the same.
    const results: Answer[] = [];
    for (const variables of coverage.runs) results.push(await run(coverage.persona, coverage.query, variables));
    results.forEach((answer, i) => printed.push(`| ${coordinate} | exempt, run ${i + 1} ${JSON.stringify(coverage.runs[i])} | — | ${formatCounts(answer.counts)} |`));
    coverage.check(results);
  });
});

describe('the audit trail the list tests read', () => {
  test('holds the generated fortnight (enough for a page of 1,000 records)', () => {
    expect(trailLength).toBeGreaterThan(1000);
  });
});
