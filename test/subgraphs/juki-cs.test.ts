import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrateToLatest, openDatabase } from '../../subgraphs/shared/database';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/shared/server';
import { jukiCsSubgraph } from '../../subgraphs/juki-cs';
import { birthDateReadings } from '../../subgraphs/juki-cs/legacy/adapter';
import { kanaSearchKey, padFixedWidth } from '../../lib/legacy/text';
import { LETTER_ERAS, parseWarekiDate, toWarekiRaw } from '../../lib/legacy/wareki';

/**
 * The CS subgraph (市町村CS, 住基ネット), started in-process and queried over HTTP as the gateway
 * would. The legacy rows are written by hand, padded as the legacy CHAR/NCHAR columns are, so
 * every expected value below is known exactly.
 *
 * Runs on SQLite always, and also on PostgreSQL when TEST_PG_URL is set (a scratch schema is
 * created and dropped), so the adapter's SQL is exercised on two real dialects.
 */

const char = (value: string | null, width: number) => (value === null ? null : padFixedWidth(value, width));
const nchar = (value: string, width: number) => padFixedWidth(value, width, { fullWidth: true });

interface IdentityRow {
  code: string;
  name: string;
  /** Padding of the name column: full-width (the usual) or ASCII (Latin names). */
  namePad?: 'full' | 'ascii';
  kana: string | null;
  birth: string;
  sex: '1' | '2';
  address: string;
  reason: string;
  changedOn: string | null;
  updatedAt?: string;
  removed?: '0' | '1';
}

const identityRow = (p: IdentityRow) => ({
  JUMINHYO_CD: p.code,
  SHICHOSON_CD: '131121',
  SHIMEI: p.namePad === 'ascii' ? padFixedWidth(p.name, 30) : nchar(p.name, 30),
  SHIMEI_KANA: p.kana === null ? null : nchar(p.kana, 60),
  KENSAKU_KANA: p.kana === null ? null : char(kanaSearchKey(p.kana), 60),
  SEINENGAPPI: p.birth,
  SEIBETSU: p.sex,
  JUSHO: nchar(p.address, 100),
  IDO_JIYU_CD: p.reason,
  IDO_YMD: char(p.changedOn ?? '', 7),
  SOSASHA_ID: char('OP000123', 8),
  TANMATSU_ID: char('TM0045', 8),
  KOSHIN_NICHIJI: p.updatedAt ?? '20240401093005',
  SAKUJO_FLG: p.removed ?? '0',
});

const TAISHIDO = '東京都世田谷区太子堂二丁目３番１２号';
const KYODO = '東京都世田谷区経堂一丁目１番１号';

// A: the usual record. B: half-width kana (an old record), a private-use 外字 in the name and a
// birth date written outside its era (昭和64年1月8日 = 1989-01-08). C: removed (死亡), no number.
// D: a Latin name padded with ASCII spaces, born on a day the calendar lacks, no kana.
// E: a 住基ネット統一文字 written J+XXXX, an unknown 異動事由 code and an impossible 更新日時.
const A: IdentityRow = { code: '90000000001', name: '山田\u3000太郎', kana: 'ヤマダ\u3000タロウ', birth: 'S450115', sex: '1', address: TAISHIDO, reason: '21', changedOn: 'R060401' };
const B: IdentityRow = { code: '90000000002', name: '\uE001田\u3000花子', kana: 'ﾔﾏﾀﾞ ﾊﾅｺ', birth: 'S640108', sex: '2', address: TAISHIDO, reason: '42', changedOn: 'H270105' };
const C: IdentityRow = { code: '90000000003', name: '山田\u3000一郎', kana: 'ヤマダ\u3000イチロウ', birth: 'T150101', sex: '1', address: KYODO, reason: '32', changedOn: 'R050310', removed: '1' };
const D: IdentityRow = { code: '90000000004', name: 'SMITH JOHN', namePad: 'ascii', kana: null, birth: 'H030229', sex: '1', address: KYODO, reason: '11', changedOn: null };
const E: IdentityRow = { code: '90000000005', name: 'J+7E3A川\u3000次郎', kana: 'ヨシカワ\u3000ジロウ', birth: 'R020300', sex: '1', address: KYODO, reason: '99', changedOn: 'R020401', updatedAt: '20240230120000' };
const NUMBERS = [
  { JUMINHYO_CD: A.code, KOJIN_NO: '123456789018', KOSHIN_NICHIJI: '20240401093005' },
  { JUMINHYO_CD: B.code, KOJIN_NO: '314159265352', KOSHIN_NICHIJI: '20240401093005' },
  { JUMINHYO_CD: D.code, KOJIN_NO: '123456789050', KOSHIN_NICHIJI: '20240401093005' },
];

// The 住基ネット 異動事由 codes in the order of the IdentityChangeReason enum they map to.
const REASON_CODES: [string, string][] = [
  ['11', 'MOVE_IN'],
  ['12', 'BIRTH'],
  ['13', 'EX_OFFICIO_ENTRY'],
  ['21', 'MOVE_WITHIN'],
  ['31', 'MOVE_OUT'],
  ['32', 'DEATH'],
  ['33', 'EX_OFFICIO_ERASURE'],
  ['41', 'INDIVIDUAL_NUMBER_CHANGE'],
  ['42', 'RESIDENT_CODE_ENTRY'],
  ['51', 'CORRECTION'],
];

// 60 more persons, each with a number, for counting statements per operation; they cycle
// through the 異動事由 codes.
const BULK: IdentityRow[] = Array.from({ length: 60 }, (_, i) => ({
  code: `91${String(i).padStart(9, '0')}`,
  name: `鈴木\u3000${i}郎`,
  kana: `スズキ\u3000${i}`,
  birth: 'H100401',
  sex: i % 2 ? '2' : '1',
  address: '東京都世田谷区用賀四丁目１番１号',
  reason: REASON_CODES[i % REASON_CODES.length][0],
  changedOn: 'R060101',
}));
const bulkNumber = (i: number) => {
  // Body 900000000xx with its check digit: the same formula the subgraph validates with.
  const body = `9000000${String(i).padStart(4, '0')}`;
  const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const r = [...body].reduce((sum, c, k) => sum + Number(c) * weights[k], 0) % 11;
  return body + String(r <= 1 ? 0 : 11 - r);
};

async function seed(db: Knex): Promise<void> {
  await migrateToLatest('juki-cs', db);
  await db('HONNIN_KAKUNIN').insert([A, B, C, D, E].map(identityRow));
  await db.batchInsert('HONNIN_KAKUNIN', BULK.map(identityRow), 50);
  await db('CS_KOJIN_BANGO').insert(NUMBERS);
  await db.batchInsert(
    'CS_KOJIN_BANGO',
    BULK.map((p, i) => ({ JUMINHYO_CD: p.code, KOJIN_NO: bulkNumber(i), KOSHIN_NICHIJI: '20240401093005' })),
    50,
  );
}

interface Dialect {
  name: string;
  open(): Promise<{ db: Knex; cleanup(): Promise<void> }>;
}

const DIALECTS: Dialect[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juki-cs-'));
      const db = openDatabase('juki-cs', { client: 'better-sqlite3', connection: { filename: path.join(dir, 'juki-cs.sqlite') }, useNullAsDefault: true });
      return {
        db,
        async cleanup() {
          await db.destroy();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];
if (process.env.TEST_PG_URL) {
  const connectionString = process.env.TEST_PG_URL;
  DIALECTS.push({
    name: 'postgresql',
    async open() {
      const schema = `juki_cs_test_${process.pid}_${Date.now()}`;
      const admin = knexFactory({ client: 'pg', connection: { connectionString } });
      await admin.raw('create schema ??', [schema]);
      const db = openDatabase('juki-cs', { client: 'pg', connection: { connectionString }, searchPath: [schema], pool: { min: 0, max: 4 } });
      return {
        db,
        async cleanup() {
          await db.destroy();
          await admin.raw('drop schema ?? cascade', [schema]);
          await admin.destroy();
        },
      };
    },
  });
}

interface GraphQLResponse {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; reason?: string } }[];
}

const DATE = 'iso wareki precision approximate calendarValid raw';
const IDENTITY_FIELDS = `residentCode name nameKana birthDate { ${DATE} } sex address changeReason changedOn { ${DATE} } municipalityCode operatorId terminalId updatedAt resident { residentCode }`;

const A_EXPECTED = {
  residentCode: A.code,
  name: '山田\u3000太郎',
  nameKana: 'ヤマダ\u3000タロウ',
  birthDate: { iso: '1970-01-15', wareki: '昭和45年1月15日', precision: 'DAY', approximate: false, calendarValid: true, raw: 'S450115' },
  sex: 'MALE',
  address: '東京都世田谷区太子堂二丁目3番12号',
  changeReason: 'MOVE_WITHIN',
  changedOn: { iso: '2024-04-01', wareki: '令和6年4月1日', precision: 'DAY', approximate: false, calendarValid: true, raw: 'R060401' },
  municipalityCode: '131121',
  operatorId: 'OP000123',
  terminalId: 'TM0045',
  updatedAt: '2024-04-01T09:30:05+09:00',
  resident: { residentCode: A.code },
};

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Resident { residentCode identityInfo { ${IDENTITY_FIELDS} individualNumber } }
  }
}`;

const SEARCH = `query ($criteria: IdentitySearchCriteria!, $first: Int) {
  searchIdentity(criteria: $criteria, first: $first) { matches { residentCode name changeReason } truncated }
}`;

describe('birthDateReadings (the CS letter-era forms of an ISO day)', () => {
  test.each(['1970-01-15', '1989-01-08', '2019-05-01', '1912-07-30', '2024-02-29'])('%s: includes what toWarekiRaw writes, and every reading parses back to the day', (iso) => {
    const readings = birthDateReadings(iso);
    expect(readings).toContain(toWarekiRaw(iso, LETTER_ERAS));
    for (const raw of readings) expect(parseWarekiDate(raw, { eras: LETTER_ERAS }).iso).toBe(iso);
  });

  test('out-of-era readings are included: 1989-01-08 is H010108 and also S640108', () => {
    expect(birthDateReadings('1989-01-08')).toEqual(expect.arrayContaining(['H010108', 'S640108']));
    expect(birthDateReadings('2019-05-01')).toEqual(expect.arrayContaining(['R010501', 'H310501']));
  });

  test('a day no era can hold has no reading', () => {
    expect(birthDateReadings('1700-01-01')).toEqual([]);
  });
});

describe.each(DIALECTS)('juki-cs subgraph on $name', (dialect) => {
  let running: RunningSubgraph;
  let db: Knex;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await dialect.open());
    await seed(db);
    running = await startSubgraph(jukiCsSubgraph, { port: 0, db });
  });

  afterAll(async () => {
    await running?.stop();
    await cleanup?.();
  });

  async function query(source: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: source, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  }

  /** The statements one operation runs, counted (and their SQL kept) on the subgraph's knex. */
  async function countStatements(source: string, variables: Record<string, unknown>): Promise<{ count: number; sql: string[]; response: GraphQLResponse }> {
    const sql: string[] = [];
    const listener = (q: { sql: string }) => {
      sql.push(q.sql);
    };
    db.on('query', listener);
    try {
      const response = await query(source, variables);
      return { count: sql.length, sql, response };
    } finally {
      db.removeListener('query', listener);
    }
  }

  const byCode = (extra = '') => `query ($c: String!) { identityByResidentCode(residentCode: $c) { ${IDENTITY_FIELDS} ${extra} } }`;
  const byNumber = (extra = '') => `query ($n: String!) { identityByIndividualNumber(individualNumber: $n) { ${IDENTITY_FIELDS} ${extra} } }`;

  test('本人確認情報 by 住民票コード: padding trimmed, letter-era dates, JST time, resident key', async () => {
    const { data, errors } = await query(byCode(), { c: A.code });
    expect(errors).toBeUndefined();
    expect(data?.identityByResidentCode).toEqual(A_EXPECTED);
  });

  test('half-width kana normalised, 外字 unchanged, an out-of-era birth date converted as recorded', async () => {
    const { data, errors } = await query(byCode(), { c: B.code });
    expect(errors).toBeUndefined();
    expect(data?.identityByResidentCode).toMatchObject({
      name: '\uE001田\u3000花子',
      nameKana: 'ヤマダ ハナコ',
      sex: 'FEMALE',
      birthDate: { iso: '1989-01-08', wareki: '昭和64年1月8日', precision: 'DAY', raw: 'S640108' },
      changeReason: 'RESIDENT_CODE_ENTRY',
    });
  });

  test('a removed person (消除者) is still an identity record, and the change reason says why', async () => {
    const { data, errors } = await query(byCode('individualNumber'), { c: C.code });
    expect(errors).toBeUndefined();
    expect(data?.identityByResidentCode).toMatchObject({
      residentCode: C.code,
      changeReason: 'DEATH',
      changedOn: { iso: '2023-03-10', wareki: '令和5年3月10日' },
      birthDate: { iso: '1926-01-01', wareki: '大正15年1月1日' },
      individualNumber: null,
    });
  });

  test('a day the calendar lacks is kept, never invented; a Latin name padded with ASCII spaces; no kana', async () => {
    const { data, errors } = await query(byCode(), { c: D.code });
    expect(errors).toBeUndefined();
    expect(data?.identityByResidentCode).toMatchObject({
      name: 'SMITH JOHN',
      nameKana: null,
      birthDate: { iso: null, wareki: '平成3年2月29日', precision: 'DAY', calendarValid: false, raw: 'H030229' },
      changeReason: 'MOVE_IN',
      changedOn: null,
    });
  });

  test('統一文字 J+XXXX passed through; month precision; unknown reason code → CORRECTION; impossible 更新日時 → null', async () => {
    const { data, errors } = await query(byCode(), { c: E.code });
    expect(errors).toBeUndefined();
    expect(data?.identityByResidentCode).toMatchObject({
      name: 'J+7E3A川\u3000次郎',
      birthDate: { iso: '2020-03', wareki: '令和2年3月', precision: 'MONTH', raw: 'R020300' },
      changeReason: 'CORRECTION',
      updatedAt: null,
    });
  });

  test('every 住基ネット 異動事由 code maps to its IdentityChangeReason', async () => {
    const fields = REASON_CODES.map((_, i) => `p${i}: identityByResidentCode(residentCode: "${BULK[i].code}") { changeReason }`).join(' ');
    const { data, errors } = await query(`{ ${fields} }`);
    expect(errors).toBeUndefined();
    expect(REASON_CODES.map((_, i) => data?.[`p${i}`].changeReason)).toEqual(REASON_CODES.map(([, reason]) => reason));
  });

  test('an unknown 住民票コード is null, not an error', async () => {
    const { data, errors } = await query(byCode(), { c: '99999999999' });
    expect(errors).toBeUndefined();
    expect(data?.identityByResidentCode).toBeNull();
  });

  test('個人番号 is read from its own table, and only when asked for', async () => {
    const without = await countStatements(byCode(), { c: A.code });
    const withNumber = await countStatements(byCode('individualNumber'), { c: A.code });
    expect(without.response.errors).toBeUndefined();
    expect(without.count).toBe(1);
    expect(without.sql.join(' ')).not.toContain('CS_KOJIN_BANGO');
    expect(withNumber.response.data?.identityByResidentCode.individualNumber).toBe('123456789018');
    expect(withNumber.count).toBe(2);
    expect(withNumber.sql.filter((s) => s.includes('CS_KOJIN_BANGO'))).toHaveLength(1);
    expect(withNumber.sql.filter((s) => s.includes('HONNIN_KAKUNIN')).join(' ')).not.toContain('KOJIN_NO');
  });

  test('本人確認情報 by 個人番号, in one statement, the number included', async () => {
    const { count, response } = await countStatements(byNumber('individualNumber'), { n: '123456789018' });
    expect(response.errors).toBeUndefined();
    expect(response.data?.identityByIndividualNumber).toEqual({ ...A_EXPECTED, individualNumber: '123456789018' });
    expect(count).toBe(1);
  });

  test('a number typed with full-width digits and spaces is the same number', async () => {
    const { data, errors } = await query(byNumber(), { n: ' ３１４１５９２６５３５２ ' });
    expect(errors).toBeUndefined();
    expect(data?.identityByIndividualNumber.residentCode).toBe(B.code);
  });

  test('a valid number nobody holds is null, not an error', async () => {
    const { data, errors } = await query(byNumber(), { n: '111111111118' });
    expect(errors).toBeUndefined();
    expect(data?.identityByIndividualNumber).toBeNull();
  });

  test.each([
    ['LENGTH', '12345678901', 'individual number must be 12 digits (got 11)'],
    ['LENGTH', '1234567890181', 'individual number must be 12 digits (got 13)'],
    ['NOT_DIGITS', '1234-5678-9018', 'individual number must contain digits only (found 2 other characters)'],
    ['CHECK_DIGIT', '123456789019', 'individual number check digit does not match (a mistyped or transposed digit is likely)'],
  ])('an invalid individual number (%s) is BAD_USER_INPUT before any SQL, and the message does not echo it', async (reason, n, message) => {
    const { count, response } = await countStatements(byNumber(), { n });
    expect(response.data?.identityByIndividualNumber ?? null).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    expect(response.errors?.[0].message).toBe(message);
    expect(JSON.stringify(response.errors)).not.toContain(n.replace(/-/g, '').slice(0, 8));
    expect(count).toBe(0);
  });

  test('_entities as the gateway sends it: Resident extended with its identity; an unknown code gets null', async () => {
    const { data, errors } = await query(ENTITIES, {
      representations: [
        { __typename: 'Resident', residentCode: A.code },
        { __typename: 'Resident', residentCode: '99999999999' },
        { __typename: 'Resident', residentCode: C.code },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data?._entities).toEqual([
      { residentCode: A.code, identityInfo: { ...A_EXPECTED, individualNumber: '123456789018' } },
      null,
      { residentCode: C.code, identityInfo: expect.objectContaining({ residentCode: C.code, changeReason: 'DEATH', individualNumber: null }) },
    ]);
  });

  test('SQL statements per operation do not grow with the number of persons (1 vs 50 via _entities)', async () => {
    const representations = (n: number) => BULK.slice(0, n).map((p) => ({ __typename: 'Resident', residentCode: p.code }));
    const one = await countStatements(ENTITIES, { representations: representations(1) });
    const fifty = await countStatements(ENTITIES, { representations: representations(50) });
    expect(one.response.errors).toBeUndefined();
    expect(fifty.response.errors).toBeUndefined();
    expect(fifty.response.data?._entities).toHaveLength(50);
    for (const [i, entity] of (fifty.response.data?._entities as any[]).entries()) {
      expect(entity.identityInfo.residentCode).toBe(BULK[i].code);
      expect(entity.identityInfo.individualNumber).toBe(bulkNumber(i));
    }
    // One statement for the identities (the reference and identityInfo share it), one for the numbers.
    expect(one.count).toBe(2);
    expect(fifty.count).toBe(one.count);
  });

  test('the query paths also stay at one statement per batch', async () => {
    const fields = (i: number) => `p${i}: identityByResidentCode(residentCode: "${BULK[i].code}") { name individualNumber resident { residentCode } }`;
    const numbers = (i: number) => `n${i}: identityByIndividualNumber(individualNumber: "${bulkNumber(i)}") { name individualNumber }`;
    const one = await countStatements(`{ ${fields(0)} ${numbers(0)} }`, {});
    const many = await countStatements(`{ ${BULK.slice(0, 30).map((_, i) => fields(i) + numbers(i)).join(' ')} }`, {});
    expect(many.response.errors).toBeUndefined();
    expect(Object.keys(many.response.data ?? {})).toHaveLength(60);
    expect(many.response.data?.n29.individualNumber).toBe(bulkNumber(29));
    expect(one.count).toBe(3);
    expect(many.count).toBe(one.count);
  });

  describe('searchIdentity (4情報検索)', () => {
    const search = (criteria: Record<string, unknown>, first?: number) => query(SEARCH, { criteria, first });
    const codes = (response: GraphQLResponse) => response.data?.searchIdentity.matches.map((m: { residentCode: string }) => m.residentCode);

    test('name (exact, padding and the width of the inner space ignored) + birth date', async () => {
      for (const name of ['山田\u3000太郎', '山田 太郎', '\u3000山田\u3000太郎 ']) {
        const response = await search({ name, birthDate: '1970-01-15' });
        expect(response.errors).toBeUndefined();
        expect(response.data?.searchIdentity).toEqual({ matches: [{ residentCode: A.code, name: '山田\u3000太郎', changeReason: 'MOVE_WITHIN' }], truncated: false });
      }
      // Exact: a prefix of the name is not the name.
      expect(codes(await search({ name: '山田', birthDate: '1970-01-15' }))).toEqual([]);
    });

    test('a name with a 外字 and a Latin name padded with ASCII spaces are found by their exact value', async () => {
      expect(codes(await search({ name: '\uE001田\u3000花子', sex: 'FEMALE' }))).toEqual([B.code]);
      expect(codes(await search({ name: 'SMITH JOHN', address: '東京都世田谷区経堂' }))).toEqual([D.code]);
    });

    test('kana prefix ignores script, width, dakuten and spaces; removed persons included; ordered by 住民票コード', async () => {
      for (const nameKana of ['やまだ', 'ﾔﾏﾀﾞ', 'ヤマタ', 'ヤ マ ダ']) {
        const response = await search({ nameKana, address: '東京都世田谷区' });
        expect(response.errors).toBeUndefined();
        expect(codes(response)).toEqual([A.code, B.code, C.code]);
        expect(response.data?.searchIdentity.truncated).toBe(false);
      }
    });

    test('`first` limits the matches and `truncated` says more matched', async () => {
      const two = await search({ nameKana: 'ヤマダ', address: '東京都' }, 2);
      expect(two.data?.searchIdentity).toEqual({ matches: [expect.objectContaining({ residentCode: A.code }), expect.objectContaining({ residentCode: B.code })], truncated: true });
      const three = await search({ nameKana: 'ヤマダ', address: '東京都' }, 3);
      expect(codes(three)).toEqual([A.code, B.code, C.code]);
      expect(three.data?.searchIdentity.truncated).toBe(false);
      const many = await search({ nameKana: 'スズキ', sex: 'MALE' }, 100);
      expect(codes(many)).toHaveLength(30);
      expect(many.data?.searchIdentity.truncated).toBe(false);
    });

    test('the birth date matches the letter-era form, including one written outside its era', async () => {
      expect(codes(await search({ nameKana: 'ヤマダ', birthDate: '1989-01-08' }))).toEqual([B.code]);
      expect(codes(await search({ nameKana: 'ヤマダ', birthDate: '1926-01-01' }))).toEqual([C.code]);
      expect(codes(await search({ nameKana: 'ヤマダ', birthDate: '1989-01-09' }))).toEqual([]);
      expect(codes(await search({ name: '山田\u3000太郎', birthDate: '1700-01-01' }))).toEqual([]);
    });

    test('sex narrows; the address is a prefix, with its digits in either width', async () => {
      expect(codes(await search({ nameKana: 'ヤマダ', sex: 'MALE' }))).toEqual([A.code, C.code]);
      expect(codes(await search({ nameKana: 'ヤマダ', address: '東京都世田谷区太子堂二丁目3番12号' }))).toEqual([A.code, B.code]);
      expect(codes(await search({ nameKana: 'ヤマダ', address: '東京都世田谷区太子堂二丁目３番' }))).toEqual([A.code, B.code]);
      expect(codes(await search({ nameKana: 'ヤマダ', address: '世田谷区' }))).toEqual([]);
    });

    test('LIKE wildcards in the input are literal characters', async () => {
      expect(codes(await search({ nameKana: 'ヤ%', sex: 'MALE' }))).toEqual([]);
      expect(codes(await search({ nameKana: 'ヤマ_', sex: 'MALE' }))).toEqual([]);
      expect(codes(await search({ nameKana: 'ヤマダ', address: '東京都%' }))).toEqual([]);
      expect(codes(await search({ nameKana: 'ヤマダ', address: '東京都_世田谷区' }))).toEqual([]);
    });

    const RULE = 'searchIdentity needs at least two of the 4 information (name or nameKana, birthDate, sex, address), one of them name or nameKana';
    test.each([
      ['one criterion', { name: '山田\u3000太郎' }],
      ['no name', { birthDate: '1970-01-15', sex: 'MALE', address: '東京都' }],
      ['name and kana only (both are 氏名)', { name: '山田\u3000太郎', nameKana: 'ヤマダ' }],
      ['blank values', { name: '\u3000', nameKana: ' ', sex: 'MALE' }],
      ['nothing', {}],
    ])('%s is BAD_USER_INPUT explaining the rule, before any SQL', async (_what, criteria) => {
      const { count, response } = await countStatements(SEARCH, { criteria });
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_FEW_CRITERIA' });
      expect(response.errors?.[0].message).toBe(RULE);
      expect(count).toBe(0);
    });

    test.each([
      ['a kana of long-vowel marks only', { nameKana: 'ーー', sex: 'MALE' }, 'criteria.nameKana must contain kana', 'ーー'],
      ['a day the calendar lacks', { nameKana: 'ヤマダ', birthDate: '1970-02-30' }, 'criteria.birthDate must be an ISO date YYYY-MM-DD', '1970-02-30'],
      ['a wareki birth date', { nameKana: 'ヤマダ', birthDate: 'S450115' }, 'criteria.birthDate must be an ISO date YYYY-MM-DD', 'S450115'],
    ])('%s is BAD_USER_INPUT before any SQL, and the message does not echo it', async (_what, criteria, message, secret) => {
      const { count, response } = await countStatements(SEARCH, { criteria });
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].message).toBe(message);
      expect(JSON.stringify(response.errors)).not.toContain(secret);
      expect(count).toBe(0);
    });

    test.each([0, -1, 101])('first: %d is BAD_USER_INPUT', async (first) => {
      const response = await search({ nameKana: 'ヤマダ', sex: 'MALE' }, first);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].message).toBe('first must be between 1 and 100');
    });

    test('a search is one statement, whatever the number of matches', async () => {
      const one = await countStatements(SEARCH, { criteria: { name: '山田\u3000太郎', birthDate: '1970-01-15' } });
      const many = await countStatements(`query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: 100) { matches { ${IDENTITY_FIELDS} } truncated } }`, {
        criteria: { nameKana: 'スズキ', sex: 'FEMALE' },
      });
      expect(codes(one.response)).toEqual([A.code]);
      expect(many.response.data?.searchIdentity.matches).toHaveLength(30);
      expect(one.count).toBe(1);
      expect(many.count).toBe(1);
    });
  });
});
