import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../../subgraphs/shared/database';
import { migrateLegacyToLatest } from '../../../subgraphs/legacy-migrations';
import { startSubgraph, type RunningSubgraph } from '../../../subgraphs/shared/server';
import { intermediateSubgraph } from '../../../subgraphs/intermediate';
import { padFixedWidth } from '../../../lib/legacy/text';
import { seedAll } from '../../../scripts/seeding/seed-all';
import { FIXTURE_FIRST_RESIDENT, FIXTURE_SUPPORT_MEASURE } from '../../../generator/fixtures';
import { scratchDialects } from '../../support/postgres';
import type { GraphQLBody } from '../../support/graphql';
import { postToSubgraph } from '../../support/gateway-identity';
import { recordStatements } from '../../support/sql-capture';

/**
 * The intermediate-server subgraph (中間サーバ), started in-process and queried over HTTP as the
 * gateway would, in two settings:
 *  - hand-written legacy rows, padded as the legacy CHAR/NCHAR columns are, for the edge cases
 *    the generator does not produce (half-width kana, 外字, ties, malformed times); on SQLite
 *    always, and also on PostgreSQL when TEST_PG_URL is set (a scratch schema is created and
 *    dropped), so the adapter's SQL runs on two real dialects;
 *  - the synthetic world of scripts/seeding/seed-all.ts (seedAll, a few hundred persons) with its fixed
 *    persons, so the adapter reads what the seed writer writes.
 */

const char = (value: string | null, width: number) => (value === null ? null : padFixedWidth(value, width));
const nchar = (value: string, width: number) => padFixedWidth(value, width, { fullWidth: true });

interface LinkageRow {
  togo: string;
  atena: string;
  status: string;
  acquiredAt: string | null;
  noAuto: string;
}

interface ProvisionRow {
  no: string;
  togo: string;
  at: string;
  body: string;
  ko: string;
  items: string;
  result: string;
  auto: string;
}

const linkageRow = (l: LinkageRow) => ({
  TOGO_ATENA_NO: char(l.togo, 15),
  GYOMU_ATENA_NO: char(l.atena, 10),
  FUGO_JOTAI_CD: l.status,
  FUGO_SHUTOKU_NICHIJI: char(l.acquiredAt, 14),
  JIDO_OTO_FUKA_FLG: l.noAuto,
  KOSHIN_NICHIJI: '20240401000000',
});

const provisionRow = (p: ProvisionRow) => ({
  KIROKU_NO: char(p.no, 20),
  TOGO_ATENA_NO: char(p.togo, 15),
  SHOKAI_NICHIJI: p.at,
  SHOKAI_KIKAN_CD: char(p.body, 6),
  BEPPYO_KO: char(p.ko, 3),
  JOHO_KOMOKU: nchar(p.items, 100),
  TEIKYO_KEKKA_CD: p.result,
  JIDO_OTO_KBN: p.auto,
});

// Person A: 符号 acquired, five records inserted out of order (two share a timestamp).
const A = { togo: '100000000000001', atena: '0000000017' };
// Half-width kana and a private-use 外字 in the bodies' names; 999999 is missing from the master.
const BODIES = [
  { KIKAN_CD: '000101', KIKAN_MEI: nchar('日本年金機構', 40) },
  { KIKAN_CD: '000202', KIKAN_MEI: nchar('ｺｸﾎ連合会', 40) },
  { KIKAN_CD: '000303', KIKAN_MEI: nchar('\uE001川市', 40) },
];
const A_RECORDS: ProvisionRow[] = [
  { no: 'R0000000000000000002', togo: A.togo, at: '20240105100000', body: '000202', ko: '030', items: '地方税関係情報', result: '2', auto: '2' },
  { no: 'R0000000000000000004', togo: A.togo, at: '20240310083000', body: '000101', ko: '002', items: '住民票関係情報、地方税関係情報', result: '1', auto: '1' },
  { no: 'R0000000000000000001', togo: A.togo, at: '20231231235959', body: '000303', ko: '120', items: '住民票関係情報', result: '1', auto: '1' },
  { no: 'R0000000000000000005', togo: A.togo, at: '20240310083000', body: '999999', ko: '27', items: '住民票関係情報､ 障害者関係情報', result: '3', auto: '2' },
  { no: 'R0000000000000000003', togo: A.togo, at: '20240201000000', body: '000101', ko: '  1', items: '住民票関係情報', result: '1', auto: '1' },
];

// Expected order: newest first; the tie at 20240310083000 broken by 記録番号, highest first.
const A_EXPECTED = [
  {
    id: 'R0000000000000000005',
    requestedAt: '2024-03-10T08:30:00+09:00',
    requester: '999999',
    legalBasis: '番号法第19条第8号 別表第二 第27項',
    items: ['住民票関係情報', '障害者関係情報'],
    result: 'HELD_FOR_REVIEW',
    autoResponse: false,
  },
  {
    id: 'R0000000000000000004',
    requestedAt: '2024-03-10T08:30:00+09:00',
    requester: '日本年金機構',
    legalBasis: '番号法第19条第8号 別表第二 第2項',
    items: ['住民票関係情報', '地方税関係情報'],
    result: 'PROVIDED',
    autoResponse: true,
  },
  {
    id: 'R0000000000000000003',
    requestedAt: '2024-02-01T00:00:00+09:00',
    requester: '日本年金機構',
    legalBasis: '番号法第19条第8号 別表第二 第1項',
    items: ['住民票関係情報'],
    result: 'PROVIDED',
    autoResponse: true,
  },
  {
    id: 'R0000000000000000002',
    requestedAt: '2024-01-05T10:00:00+09:00',
    requester: 'コクホ連合会',
    legalBasis: '番号法第19条第8号 別表第二 第30項',
    items: ['地方税関係情報'],
    result: 'REFUSED',
    autoResponse: false,
  },
  {
    id: 'R0000000000000000001',
    requestedAt: '2023-12-31T23:59:59+09:00',
    requester: '\uE001川市',
    legalBasis: '番号法第19条第8号 別表第二 第120項',
    items: ['住民票関係情報'],
    result: 'PROVIDED',
    autoResponse: true,
  },
];

const OTHER_LINKAGES: LinkageRow[] = [
  { togo: '100000000000002', atena: '0000000025', status: '0', acquiredAt: null, noAuto: '1' }, // B
  { togo: '100000000000003', atena: '0000000033', status: '1', acquiredAt: '00000000000000', noAuto: '0' }, // C
  { togo: '100000000000004', atena: '0000000041', status: '9', acquiredAt: null, noAuto: '0' }, // D
  { togo: '100000000000005', atena: '0000000058', status: '2', acquiredAt: '20240101000000', noAuto: '0' }, // E: a bad record
  { togo: '100000000000006', atena: '0000000066', status: '2', acquiredAt: '20241301000000', noAuto: '0' }, // F: month 13
];
// 2月30日 does not exist: the record must raise an error, never get a guessed time.
const E_BAD_RECORD: ProvisionRow = { no: 'R0000000000000000009', togo: '100000000000005', at: '20240230120000', body: '000101', ko: '001', items: '住民票関係情報', result: '1', auto: '1' };

// 60 more persons, three records each, for counting statements per operation.
const BULK = Array.from({ length: 60 }, (_, i) => ({
  togo: `2000000000${String(i).padStart(5, '0')}`,
  atena: `10000${String(i).padStart(5, '0')}`,
}));

async function seed(db: Knex): Promise<void> {
  await migrateLegacyToLatest('intermediate', db);
  await db('KIKAN_MST').insert(BODIES);
  await db('TOGO_ATENA').insert([
    linkageRow({ ...A, status: '2', acquiredAt: '20240401093005', noAuto: '0' }),
    ...OTHER_LINKAGES.map(linkageRow),
    ...BULK.map((p) => linkageRow({ ...p, status: '2', acquiredAt: '20230401120000', noAuto: '0' })),
  ]);
  const bulkRecords = BULK.flatMap((p, i) =>
    [1, 2, 3].map((n) =>
      provisionRow({ no: `B${String(i * 10 + n).padStart(19, '0')}`, togo: p.togo, at: `2024010${n}120000`, body: '000101', ko: '002', items: '住民票関係情報', result: '1', auto: '1' }),
    ),
  );
  await db('JOHO_TEIKYO_KIROKU').insert([...A_RECORDS.map(provisionRow), provisionRow(E_BAD_RECORD)]);
  await db.batchInsert('JOHO_TEIKYO_KIROKU', bulkRecords, 100);
}

const DIALECTS = scratchDialects('intermediate');

const LINKAGE_FIELDS = 'integratedAddressNumber codeStatus codeAcquiredAt noAutoResponse resident { id }';
const RECORD_FIELDS = 'id requestedAt requester legalBasis items result autoResponse';

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Resident { id informationLinkage { ${LINKAGE_FIELDS} provisionRecords(first: 2) { ${RECORD_FIELDS} } } }
  }
}`;

describe.each(DIALECTS)('intermediate subgraph on $name', (dialect) => {
  let running: RunningSubgraph;
  let db: Knex;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await dialect.open());
    await seed(db);
    running = await startSubgraph(intermediateSubgraph, { port: 0, db });
  });

  afterAll(async () => {
    await running?.stop();
    await cleanup?.();
  });

  const query = async (source: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> => (await postToSubgraph(running, source, variables)).body;

  /** The statements one operation runs, counted on the knex instance the subgraph uses. */
  async function countStatements(source: string, variables: Record<string, unknown>): Promise<{ count: number; response: GraphQLBody }> {
    const { result, statements } = await recordStatements(db, () => query(source, variables));
    return { count: statements.length, response: result };
  }

  const byNumber = (extra = '') => `query ($n: String!) { linkageByIntegratedAddressNumber(integratedAddressNumber: $n) { ${LINKAGE_FIELDS} ${extra} } }`;

  test('a linkage by 団体内統合宛名番号: 符号 state, JST time as ISO 8601 +09:00, flag and the resident key', async () => {
    const { data, errors } = await query(byNumber(), { n: A.togo });
    expect(errors).toBeUndefined();
    expect(data?.linkageByIntegratedAddressNumber).toEqual({
      integratedAddressNumber: A.togo,
      codeStatus: 'ACQUIRED',
      codeAcquiredAt: '2024-04-01T09:30:05+09:00',
      noAutoResponse: false,
      resident: { id: A.atena },
    });
    // The offset is real: 09:30 in Tokyo is 00:30 UTC.
    expect(new Date(data?.linkageByIntegratedAddressNumber.codeAcquiredAt).toISOString()).toBe('2024-04-01T00:30:05.000Z');
  });

  test('情報提供等記録: newest first, requester from the master, items split on 、, 別表第二 rendered, codes mapped', async () => {
    const { data, errors } = await query(byNumber(`provisionRecords { ${RECORD_FIELDS} }`), { n: A.togo });
    expect(errors).toBeUndefined();
    expect(data?.linkageByIntegratedAddressNumber.provisionRecords).toEqual(A_EXPECTED);
  });

  test('provisionRecords(first) keeps the newest `first`; aliases with different counts in one operation', async () => {
    const { data, errors } = await query(byNumber('one: provisionRecords(first: 1) { id } three: provisionRecords(first: 3) { id } all: provisionRecords(first: 200) { id }'), {
      n: A.togo,
    });
    expect(errors).toBeUndefined();
    const linkage = data?.linkageByIntegratedAddressNumber;
    expect(linkage.one).toEqual([{ id: A_EXPECTED[0].id }]);
    expect(linkage.three).toEqual(A_EXPECTED.slice(0, 3).map(({ id }) => ({ id })));
    expect(linkage.all).toHaveLength(A_EXPECTED.length);
  });

  test.each([0, -1, 201])('provisionRecords(first: %d) is BAD_USER_INPUT', async (first) => {
    const { data, errors } = await query(`query ($n: String!, $first: Int) { linkageByIntegratedAddressNumber(integratedAddressNumber: $n) { provisionRecords(first: $first) { id } } }`, {
      n: A.togo,
      first,
    });
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0].message).toBe('first must be between 1 and 200');
    expect(data?.linkageByIntegratedAddressNumber ?? null).toBeNull();
  });

  test('符号 states and flags of the other codes; no records is an empty list; zeros are no time', async () => {
    const results = await Promise.all(OTHER_LINKAGES.slice(0, 3).map((l) => query(byNumber('provisionRecords { id }'), { n: l.togo })));
    expect(results.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
    expect(results.map((r) => r.data?.linkageByIntegratedAddressNumber)).toEqual([
      { integratedAddressNumber: '100000000000002', codeStatus: 'NOT_REQUESTED', codeAcquiredAt: null, noAutoResponse: true, resident: { id: '0000000025' }, provisionRecords: [] },
      { integratedAddressNumber: '100000000000003', codeStatus: 'REQUESTED', codeAcquiredAt: null, noAutoResponse: false, resident: { id: '0000000033' }, provisionRecords: [] },
      { integratedAddressNumber: '100000000000004', codeStatus: 'FAILED', codeAcquiredAt: null, noAutoResponse: false, resident: { id: '0000000041' }, provisionRecords: [] },
    ]);
  });

  test('an unknown but well-formed number is null, not an error', async () => {
    const { data, errors } = await query(byNumber(), { n: '999999999999999' });
    expect(errors).toBeUndefined();
    expect(data?.linkageByIntegratedAddressNumber).toBeNull();
  });

  test.each([
    ['14 digits', '10000000000000'],
    ['16 digits', '1000000000000011'],
    ['letters', '10000000000000A'],
    ['full-width digits', '１００００００００００００１'],
    ['padding', ' 100000000000001'],
  ])('an integrated address number with %s is BAD_USER_INPUT, and the message does not echo it', async (_what, n) => {
    const { data, errors } = await query(byNumber(), { n });
    expect(data?.linkageByIntegratedAddressNumber ?? null).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0].message).toBe('integratedAddressNumber must be 15 digits (団体内統合宛名番号)');
    expect(JSON.stringify(errors)).not.toContain(n.trim());
  });

  test('_entities as the gateway sends it: Resident extended with its linkage; a person without one gets null', async () => {
    const { data, errors } = await query(ENTITIES, {
      representations: [
        { __typename: 'Resident', id: A.atena },
        { __typename: 'Resident', id: '9999999999' },
        { __typename: 'Resident', id: '0000000025' },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data?._entities).toEqual([
      {
        id: A.atena,
        informationLinkage: {
          integratedAddressNumber: A.togo,
          codeStatus: 'ACQUIRED',
          codeAcquiredAt: '2024-04-01T09:30:05+09:00',
          noAutoResponse: false,
          resident: { id: A.atena },
          provisionRecords: A_EXPECTED.slice(0, 2),
        },
      },
      { id: '9999999999', informationLinkage: null },
      {
        id: '0000000025',
        informationLinkage: { integratedAddressNumber: '100000000000002', codeStatus: 'NOT_REQUESTED', codeAcquiredAt: null, noAutoResponse: true, resident: { id: '0000000025' }, provisionRecords: [] },
      },
    ]);
  });

  test('SQL statements per operation do not grow with the number of persons (1 vs 50 via _entities)', async () => {
    const representations = (n: number) => BULK.slice(0, n).map((p) => ({ __typename: 'Resident', id: p.atena }));
    const one = await countStatements(ENTITIES, { representations: representations(1) });
    const fifty = await countStatements(ENTITIES, { representations: representations(50) });
    expect(one.response.errors).toBeUndefined();
    expect(fifty.response.errors).toBeUndefined();
    // Every person was found and got its newest two records.
    expect(fifty.response.data?._entities).toHaveLength(50);
    for (const [i, entity] of (fifty.response.data?._entities as any[]).entries()) {
      expect(entity.informationLinkage.integratedAddressNumber).toBe(BULK[i].togo);
      expect(entity.informationLinkage.provisionRecords.map((r: { requestedAt: string }) => r.requestedAt)).toEqual([
        '2024-01-03T12:00:00+09:00',
        '2024-01-02T12:00:00+09:00',
      ]);
    }
    // One statement for the linkages, one for the records with their requesters (joined).
    expect(one.count).toBe(2);
    expect(fifty.count).toBe(one.count);
  });

  test('the linkage query path also stays at one statement per batch', async () => {
    const fields = (alias: string, n: string) => `${alias}: linkageByIntegratedAddressNumber(integratedAddressNumber: "${n}") { resident { id } provisionRecords { id } }`;
    const one = await countStatements(`{ ${fields('p0', BULK[0].togo)} }`, {});
    const many = await countStatements(`{ ${BULK.slice(0, 20).map((p, i) => fields(`p${i}`, p.togo)).join(' ')} }`, {});
    expect(many.response.errors).toBeUndefined();
    expect(Object.keys(many.response.data ?? {})).toHaveLength(20);
    expect(one.count).toBe(2);
    expect(many.count).toBe(one.count);
  });

  test('a legacy time the calendar lacks is an error that quotes neither the value nor the person', async () => {
    const { data, errors } = await query(byNumber(`provisionRecords { ${RECORD_FIELDS} }`), { n: '100000000000005' });
    expect(data?.linkageByIntegratedAddressNumber ?? null).toBeNull();
    expect(errors?.[0].extensions?.code).toBe('INVALID_LEGACY_DATE');
    const text = JSON.stringify(errors);
    for (const secret of ['20240230', '2024-02-30', '100000000000005', '0000000058', 'R0000000000000000009']) expect(text).not.toContain(secret);
  });

  test('one malformed legacy row fails only its own person, not the others in the batch', async () => {
    const { data, errors } = await query(ENTITIES, {
      representations: [
        { __typename: 'Resident', id: A.atena },
        { __typename: 'Resident', id: '0000000058' }, // E: a record on 2月30日
        { __typename: 'Resident', id: '0000000066' }, // F: 符号 acquired in month 13
        { __typename: 'Resident', id: BULK[0].atena },
      ],
    });
    const entities = data?._entities as any[];
    expect(entities[0].informationLinkage.provisionRecords).toEqual(A_EXPECTED.slice(0, 2));
    expect(entities[1].informationLinkage).toBeNull();
    expect(entities[2].informationLinkage).toBeNull();
    expect(entities[3].informationLinkage.integratedAddressNumber).toBe(BULK[0].togo);
    expect(errors?.map((e) => [e.path, e.extensions?.code])).toEqual(
      expect.arrayContaining([
        [['_entities', 1, 'informationLinkage', 'provisionRecords'], 'INVALID_LEGACY_DATE'],
        [['_entities', 2, 'informationLinkage'], 'INVALID_LEGACY_DATE'],
      ]),
    );
    expect(errors).toHaveLength(2);
    expect(JSON.stringify(errors)).not.toMatch(/2024(0230|1301)|0000000058|0000000066/);
  });
});

describe('intermediate subgraph on the generated world (seedAll)', () => {
  let dir: string;
  let db: Knex;
  let running: RunningSubgraph;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intermediate-seed-'));
    // env: {} so that a developer's <PREFIX>_DB_* variables can never point the seeder elsewhere.
    await seedAll({ residents: 300, dataDir: dir, env: {} });
    db = openDatabase('intermediate', sqliteConfig(defaultSqliteFile('intermediate', dir)));
    running = await startSubgraph(intermediateSubgraph, { port: 0, db });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await db?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const query = async (source: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> => (await postToSubgraph(running, source, variables)).body;

  const ALL_RECORDS = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Resident { id informationLinkage { ${LINKAGE_FIELDS} provisionRecords(first: 200) { ${RECORD_FIELDS} } } }
    }
  }`;

  test('the first fixed person through _entities, as the seed writer wrote it', async () => {
    const { data, errors } = await query(ALL_RECORDS, { representations: [{ __typename: 'Resident', id: FIXTURE_FIRST_RESIDENT.addressNumber }] });
    expect(errors).toBeUndefined();
    expect(data?._entities).toEqual([
      {
        id: FIXTURE_FIRST_RESIDENT.addressNumber,
        informationLinkage: {
          integratedAddressNumber: '131121000000001',
          codeStatus: 'ACQUIRED',
          codeAcquiredAt: '2017-07-20T02:14:09+09:00',
          noAutoResponse: false,
          resident: { id: FIXTURE_FIRST_RESIDENT.addressNumber },
          provisionRecords: [
            {
              id: '00000000000000000001',
              requestedAt: '2024-06-11T09:30:12+09:00',
              requester: '日本年金機構',
              legalBasis: '番号法第19条第8号 別表第二 第48項',
              // The project's kana normaliser folds full-width ASCII punctuation too: （） → ().
              items: ['住民票関係情報(世帯情報)'],
              result: 'PROVIDED',
              autoResponse: true,
            },
          ],
        },
      },
    ]);
  });

  test('the person under a support measure: 自動応答不可, records newest first, held and manual answers', async () => {
    const { data, errors } = await query(
      `query ($n: String!) { linkageByIntegratedAddressNumber(integratedAddressNumber: $n) { ${LINKAGE_FIELDS} provisionRecords { ${RECORD_FIELDS} } } }`,
      { n: FIXTURE_SUPPORT_MEASURE.integratedAddressNumber },
    );
    expect(errors).toBeUndefined();
    expect(data?.linkageByIntegratedAddressNumber).toEqual({
      integratedAddressNumber: FIXTURE_SUPPORT_MEASURE.integratedAddressNumber,
      codeStatus: 'ACQUIRED',
      codeAcquiredAt: '2017-07-21T01:02:03+09:00',
      noAutoResponse: true,
      resident: { id: FIXTURE_SUPPORT_MEASURE.addressNumber },
      provisionRecords: [
        {
          id: '00000000000000000003',
          requestedAt: '2026-05-19T14:00:41+09:00',
          requester: '全国健康保険協会',
          legalBasis: '番号法第19条第8号 別表第二 第2項',
          items: ['住民票関係情報(世帯情報)'],
          result: 'PROVIDED',
          autoResponse: false,
        },
        {
          id: '00000000000000000002',
          requestedAt: '2025-09-03T10:11:12+09:00',
          requester: '川崎市長',
          legalBasis: '番号法第19条第8号 別表第二 第27項',
          items: ['住民票関係情報(世帯情報)'],
          result: 'HELD_FOR_REVIEW',
          autoResponse: false,
        },
      ],
    });
  });

  test('every generated linkage and record maps without error, and agrees with the tables', async () => {
    const linkages = (await db('TOGO_ATENA').select('GYOMU_ATENA_NO', 'TOGO_ATENA_NO')) as { GYOMU_ATENA_NO: string; TOGO_ATENA_NO: string }[];
    const counts = new Map(
      ((await db('JOHO_TEIKYO_KIROKU').select('TOGO_ATENA_NO').count({ n: '*' }).groupBy('TOGO_ATENA_NO')) as { TOGO_ATENA_NO: string; n: number }[]).map((r) => [
        r.TOGO_ATENA_NO.trim(),
        Number(r.n),
      ]),
    );
    expect(linkages.length).toBeGreaterThan(50);
    const { data, errors } = await query(ALL_RECORDS, { representations: linkages.map((l) => ({ __typename: 'Resident', id: l.GYOMU_ATENA_NO.trim() })) });
    expect(errors).toBeUndefined();
    const entities = data?._entities as any[];
    const statuses = new Set<string>();
    for (const [i, entity] of entities.entries()) {
      const linkage = entity.informationLinkage;
      expect(linkage.integratedAddressNumber).toBe(linkages[i].TOGO_ATENA_NO.trim());
      statuses.add(linkage.codeStatus);
      const times = (linkage.provisionRecords as { requestedAt: string }[]).map((r) => r.requestedAt);
      expect(times).toHaveLength(counts.get(linkage.integratedAddressNumber) ?? 0);
      expect([...times].sort().reverse()).toEqual(times);
      for (const time of times) expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
    }
    expect(statuses.has('ACQUIRED')).toBe(true);
  });

  test('SQL statements for 1 vs 50 persons via _entities are the same', async () => {
    const ids = ((await db('TOGO_ATENA').select('GYOMU_ATENA_NO').orderBy('GYOMU_ATENA_NO').limit(50)) as { GYOMU_ATENA_NO: string }[]).map((r) => r.GYOMU_ATENA_NO.trim());
    const run = async (n: number) => {
      const { result: response, statements } = await recordStatements(db, () => query(ENTITIES, { representations: ids.slice(0, n).map((id) => ({ __typename: 'Resident', id })) }));
      expect(response.errors).toBeUndefined();
      expect((response.data?._entities as any[]).filter((e) => e.informationLinkage !== null)).toHaveLength(n);
      return statements.length;
    };
    const one = await run(1);
    const fifty = await run(50);
    expect(one).toBe(2);
    expect(fifty).toBe(one);
  });
});
