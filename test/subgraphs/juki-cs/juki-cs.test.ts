import type { Knex } from 'knex';
import { startSubgraph, type RunningSubgraph } from '../../../subgraphs/shared/server';
import { jukiCsSubgraph } from '../../../subgraphs/juki-cs';
import { birthDateReadings } from '../../../subgraphs/juki-cs/legacy/adapter';
import { CHANGE_REASON } from '../../../subgraphs/juki-cs/legacy/codes';
import { seedAll } from '../../../scripts/seeding/seed-all';
import {
  FIXTURE_DECEASED,
  FIXTURE_ERASED,
  FIXTURE_FEB29_COMMON_YEAR,
  FIXTURE_FIRST_RESIDENT,
  FIXTURE_FOREIGN_RESIDENT,
  FIXTURE_GAIJI_INLINE,
  FIXTURE_GAIJI_PRIVATE_USE,
  FIXTURE_MOVED_OUT,
  FIXTURE_TAISHO_15,
  FIXTURE_UNKNOWN_BIRTH,
} from '../../../generator/fixtures';
import { kanaSearchKey, padFixedWidth, trimFixedWidth } from '../../../lib/legacy/text';
import { LETTER_ERAS, parseWarekiDate, toWarekiRaw } from '../../../lib/legacy/wareki';
import { scratchDialects } from '../../support/postgres';
import type { GraphQLBody } from '../../support/graphql';
import { postToSubgraph } from '../../support/gateway-identity';
import { recordStatements } from '../../support/sql-capture';

/**
 * The CS subgraph (市町村CS, 住基ネット), started in-process and queried over HTTP as the gateway
 * would. The database is the synthetic world of scripts/seeding/seed-all.ts (fixed persons of
 * generator/fixtures.ts first), plus a few legacy rows written by hand, padded as the legacy
 * CHAR/NCHAR columns are, for shapes the generator does not produce (a birth date written
 * outside its era, an unknown 異動事由 code, an impossible 更新日時, LIKE wildcards).
 *
 * Runs on SQLite always, and also on PostgreSQL when TEST_PG_URL is set (the CS database goes
 * into a scratch schema that is dropped afterwards), so the adapter's SQL meets two dialects.
 */

const SEEDED_RESIDENTS = 300;

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

// Hand-made persons, under a surname (宇宙野, ウチュウノ) the generator never draws, so that
// searches for them have exactly known results. 住民票コード 9… are outside the generator's range.
// A: the usual record. B: half-width kana (an old record), a private-use 外字 in the name and a
// birth date written outside its era (昭和64年1月8日 = 1989-01-08). C: removed (死亡), no number.
// D: a Latin name padded with ASCII spaces, born on a day the calendar lacks, no kana.
// E: a 住基ネット統一文字 written J+XXXX, an unknown 異動事由 code and an impossible 更新日時.
const A: IdentityRow = { code: '90000000001', name: '宇宙野\u3000太郎', kana: 'ウチュウノ\u3000タロウ', birth: 'S450115', sex: '1', address: TAISHIDO, reason: '04', changedOn: 'R060401' };
const B: IdentityRow = { code: '90000000002', name: '\uE001野\u3000花子', kana: 'ｳﾁｭｳﾉ ﾊﾅｺ', birth: 'S640108', sex: '2', address: TAISHIDO, reason: '10', changedOn: 'H270105' };
const C: IdentityRow = { code: '90000000003', name: '宇宙野\u3000一郎', kana: 'ウチュウノ\u3000イチロウ', birth: 'T150101', sex: '1', address: KYODO, reason: '06', changedOn: 'R050310', removed: '1' };
const D: IdentityRow = { code: '90000000004', name: 'ZZYZX JOHN', namePad: 'ascii', kana: null, birth: 'H030229', sex: '1', address: KYODO, reason: '01', changedOn: null };
const E: IdentityRow = { code: '90000000005', name: 'J+7E3A川\u3000次郎', kana: 'ギンガ\u3000ジロウ', birth: 'R020300', sex: '1', address: KYODO, reason: '99', changedOn: 'R020401', updatedAt: '20240230120000' };
const HAND_MADE_NUMBERS = [
  { JUMINHYO_CD: A.code, KOJIN_NO: '900000000001', KOSHIN_NICHIJI: '20240401093005' },
  { JUMINHYO_CD: B.code, KOJIN_NO: '900000000010', KOSHIN_NICHIJI: '20240401093005' },
  { JUMINHYO_CD: D.code, KOJIN_NO: '900000000028', KOSHIN_NICHIJI: '20240401093005' },
];

// The CS's 異動事由 codes (the table the seed writer encodes with), one hand-made person per code: the adapter must agree with them.
const REASON_CODES = CHANGE_REASON.entries().map(([reason, code]) => ({ code, reason }));
const REASON_ROWS: IdentityRow[] = REASON_CODES.map(({ code }, i) => ({
  code: `92${String(i).padStart(9, '0')}`,
  name: `銀河\u3000${i}`,
  kana: `ギンガ\u3000${i}`,
  birth: 'H100401',
  sex: '1',
  address: KYODO,
  reason: code,
  changedOn: 'R060101',
}));

async function addHandMadeRows(db: Knex): Promise<void> {
  await db('HONNIN_KAKUNIN').insert([A, B, C, D, E, ...REASON_ROWS].map(identityRow));
  await db('CS_KOJIN_BANGO').insert(HAND_MADE_NUMBERS);
}

/** A seeded CS database per dialect (the other three systems go to a temp dir and are not used). */
const DIALECTS = scratchDialects('juki-cs', { prepare: (target) => seedAll({ residents: SEEDED_RESIDENTS, ...target }).then(() => undefined) });

const DATE = 'iso wareki precision approximate calendarValid raw';
const IDENTITY_FIELDS = `residentCode name nameKana birthDate { ${DATE} } sex address changeReason changedOn { ${DATE} } municipalityCode operatorId terminalId updatedAt resident { residentCode }`;

const A_EXPECTED = {
  residentCode: A.code,
  name: '宇宙野\u3000太郎',
  nameKana: 'ウチュウノ\u3000タロウ',
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
  /** The seeded persons' 住民票コード, and those holding an individual number: [code, number]. */
  let seeded: string[];
  let numbered: [string, string][];

  beforeAll(async () => {
    ({ db, cleanup } = await dialect.open());
    // Read before the hand-made rows go in, so these lists hold generated persons only.
    const persons: { JUMINHYO_CD: string }[] = await db('HONNIN_KAKUNIN').select('JUMINHYO_CD').orderBy('JUMINHYO_CD');
    seeded = persons.map((row) => row.JUMINHYO_CD.trim());
    const numbers: { JUMINHYO_CD: string; KOJIN_NO: string }[] = await db('CS_KOJIN_BANGO').select('JUMINHYO_CD', 'KOJIN_NO').orderBy('JUMINHYO_CD');
    numbered = numbers.map((row) => [row.JUMINHYO_CD.trim(), row.KOJIN_NO.trim()]);
    await addHandMadeRows(db);
    running = await startSubgraph(jukiCsSubgraph, { port: 0, db });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await cleanup?.();
  });

  const query = async (source: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> => (await postToSubgraph(running, source, variables)).body;

  /** The statements one operation runs, counted (and their SQL kept) on the subgraph's knex. */
  async function countStatements(source: string, variables: Record<string, unknown>): Promise<{ count: number; sql: string[]; response: GraphQLBody }> {
    const { result, statements } = await recordStatements(db, () => query(source, variables));
    return { count: statements.length, sql: statements, response: result };
  }

  const byCode = (extra = '') => `query ($c: String!) { identityByResidentCode(residentCode: $c) { ${IDENTITY_FIELDS} ${extra} } }`;
  const byNumber = (extra = '') => `query ($n: String!) { identityByIndividualNumber(individualNumber: $n) { ${IDENTITY_FIELDS} ${extra} } }`;
  const identity = async (code: string, extra = '') => {
    const { data, errors } = await query(byCode(extra), { c: code });
    expect(errors).toBeUndefined();
    return data?.identityByResidentCode;
  };

  describe('the generated world (fixed persons of generator/fixtures.ts)', () => {
    test('本人確認情報 by 住民票コード: padding trimmed, letter-era date, 番地 digits folded, JST time, resident key', async () => {
      const first = await identity(FIXTURE_FIRST_RESIDENT.residentCode, 'individualNumber');
      expect(first).toMatchObject({
        residentCode: FIXTURE_FIRST_RESIDENT.residentCode,
        name: FIXTURE_FIRST_RESIDENT.name,
        nameKana: FIXTURE_FIRST_RESIDENT.kana,
        birthDate: { iso: FIXTURE_FIRST_RESIDENT.birthIso, wareki: '昭和50年4月12日', precision: 'DAY', approximate: false, calendarValid: true, raw: FIXTURE_FIRST_RESIDENT.csBirthRaw },
        sex: 'MALE',
        address: '東京都世田谷区太子堂二丁目3番12号',
        municipalityCode: '131121',
        individualNumber: FIXTURE_FIRST_RESIDENT.individualNumber,
        resident: { residentCode: FIXTURE_FIRST_RESIDENT.residentCode },
      });
      expect(first.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
      expect(first.operatorId).toMatch(/\S$/);
      expect(first.changedOn.raw).toMatch(/^[MTSHR]\d{6}$/);
    });

    test('本人確認情報 by 個人番号 is the same person, the number included', async () => {
      const { data, errors } = await query(byNumber('individualNumber'), { n: FIXTURE_FIRST_RESIDENT.individualNumber });
      expect(errors).toBeUndefined();
      expect(data?.identityByIndividualNumber).toEqual(await identity(FIXTURE_FIRST_RESIDENT.residentCode, 'individualNumber'));
    });

    test('dates as recorded: 29 Feb of a common year, 明治45年7月30日, 大正15年12月25日, year or month only, 年月日不詳', async () => {
      expect((await identity(FIXTURE_FEB29_COMMON_YEAR.residentCode)).birthDate).toEqual({
        iso: null, wareki: '昭和53年2月29日', precision: 'DAY', approximate: false, calendarValid: false, raw: FIXTURE_FEB29_COMMON_YEAR.csBirthRaw,
      });
      expect((await identity(FIXTURE_DECEASED.residentCode)).birthDate).toMatchObject({ iso: '1912-07-30', wareki: '明治45年7月30日', raw: FIXTURE_DECEASED.csBirthRaw });
      expect((await identity(FIXTURE_TAISHO_15.residentCode)).birthDate).toMatchObject({ iso: '1926-12-25', wareki: '大正15年12月25日', raw: FIXTURE_TAISHO_15.csBirthRaw });
      expect((await identity(FIXTURE_ERASED.residentCode)).birthDate).toMatchObject({ iso: '1945', wareki: '昭和20年', precision: 'YEAR', raw: FIXTURE_ERASED.csBirthRaw });
      expect((await identity(FIXTURE_GAIJI_INLINE.residentCode)).birthDate).toMatchObject({ iso: '1950-05', precision: 'MONTH', raw: FIXTURE_GAIJI_INLINE.csBirthRaw });
      expect((await identity(FIXTURE_UNKNOWN_BIRTH.residentCode)).birthDate).toMatchObject({ iso: null, wareki: '年月日不詳', precision: 'UNKNOWN' });
    });

    test('a foreign resident: Latin name, letter-era birth date in the CS (western in the register)', async () => {
      expect(await identity(FIXTURE_FOREIGN_RESIDENT.residentCode)).toMatchObject({
        name: FIXTURE_FOREIGN_RESIDENT.name,
        birthDate: { iso: '1992-01-20', wareki: '平成4年1月20日', raw: FIXTURE_FOREIGN_RESIDENT.csBirthRaw },
      });
    });

    test('外字 pass through unchanged: private-use code point and 統一文字 J+XXXX', async () => {
      expect((await identity(FIXTURE_GAIJI_PRIVATE_USE.residentCode)).name).toBe(FIXTURE_GAIJI_PRIVATE_USE.name);
      expect((await identity(FIXTURE_GAIJI_INLINE.residentCode)).name).toBe(FIXTURE_GAIJI_INLINE.name);
    });

    test('removed persons (消除者) are identity records too: the change reason says why', async () => {
      expect((await identity(FIXTURE_MOVED_OUT.residentCode)).changeReason).toBe('MOVE_OUT');
      expect((await identity(FIXTURE_DECEASED.residentCode)).changeReason).toBe('DEATH');
      expect((await identity(FIXTURE_ERASED.residentCode)).changeReason).toBe('EX_OFFICIO_ERASURE');
    });

    test('a person without an individual number on record gets null', async () => {
      expect((await identity(FIXTURE_UNKNOWN_BIRTH.residentCode, 'individualNumber')).individualNumber).toBeNull();
    });

    test('4情報検索 finds the fixed persons', async () => {
      const codes = async (criteria: Record<string, unknown>) => {
        const { data, errors } = await query(SEARCH, { criteria, first: 100 });
        expect(errors).toBeUndefined();
        return data?.searchIdentity.matches.map((m: { residentCode: string }) => m.residentCode);
      };
      expect(await codes({ name: FIXTURE_FIRST_RESIDENT.name, birthDate: FIXTURE_FIRST_RESIDENT.birthIso })).toEqual([FIXTURE_FIRST_RESIDENT.residentCode]);
      expect(await codes({ name: FIXTURE_FOREIGN_RESIDENT.name, birthDate: '1992-01-20' })).toEqual([FIXTURE_FOREIGN_RESIDENT.residentCode]);
      // Removed persons included; 明治45年7月30日 and 大正15年12月25日 are found by their ISO day.
      expect(await codes({ name: FIXTURE_DECEASED.name, birthDate: '1912-07-30' })).toEqual([FIXTURE_DECEASED.residentCode]);
      expect(await codes({ name: FIXTURE_TAISHO_15.name, birthDate: '1926-12-25' })).toEqual([FIXTURE_TAISHO_15.residentCode]);
      // The private-use 外字 surname by its kana, typed the way the old record held it.
      expect(await codes({ nameKana: FIXTURE_GAIJI_PRIVATE_USE.storedKana, address: '東京都世田谷区' })).toContain(FIXTURE_GAIJI_PRIVATE_USE.residentCode);
    });

    test('every seeded person reads back: codes mapped as the seed writer wrote them, text unchanged but for padding', async () => {
      const rows: Record<string, string>[] = await db('HONNIN_KAKUNIN')
        .select('JUMINHYO_CD', 'SHIMEI', 'SHIMEI_KANA', 'SEINENGAPPI', 'IDO_JIYU_CD', 'SAKUJO_FLG')
        .whereIn('JUMINHYO_CD', seeded)
        .orderBy('JUMINHYO_CD');
      expect(rows).toHaveLength(SEEDED_RESIDENTS);
      const reasonOf = new Map(REASON_CODES.map(({ code, reason }) => [code, reason]));
      const { count, response } = await countStatements(ENTITIES, { representations: rows.map((row) => ({ __typename: 'Resident', residentCode: row.JUMINHYO_CD.trim() })) });
      expect(response.errors).toBeUndefined();
      const entities = response.data?._entities as any[];
      expect(entities.map((e) => e.identityInfo.residentCode)).toEqual(rows.map((row) => row.JUMINHYO_CD.trim()));
      for (const [i, row] of rows.entries()) {
        const info = entities[i].identityInfo;
        expect(reasonOf.get(row.IDO_JIYU_CD.trim())).toBeDefined();
        expect(info.changeReason).toBe(reasonOf.get(row.IDO_JIYU_CD.trim()));
        expect(info.name).toBe(trimFixedWidth(row.SHIMEI));
        expect(info.nameKana).toBe(trimFixedWidth(row.SHIMEI_KANA));
        expect(info.birthDate.raw).toBe(row.SEINENGAPPI);
        if (row.SAKUJO_FLG === '1') expect(['MOVE_OUT', 'DEATH', 'EX_OFFICIO_ERASURE']).toContain(info.changeReason);
      }
      const numbers = new Map(numbered);
      expect(entities.filter((e) => e.identityInfo.individualNumber !== null)).toHaveLength(numbers.size);
      for (const e of entities) if (numbers.has(e.residentCode)) expect(e.identityInfo.individualNumber).toBe(numbers.get(e.residentCode));
      // The whole register in one operation: one statement for the identities, one for the numbers.
      expect(count).toBe(2);
    });
  });

  describe('legacy shapes written by hand', () => {
    test('本人確認情報 by 住民票コード: every field', async () => {
      expect(await identity(A.code)).toEqual(A_EXPECTED);
    });

    test('half-width kana normalised, 外字 unchanged, a birth date written outside its era converted as recorded', async () => {
      expect(await identity(B.code)).toMatchObject({
        name: '\uE001野\u3000花子',
        nameKana: 'ウチュウノ ハナコ',
        sex: 'FEMALE',
        birthDate: { iso: '1989-01-08', wareki: '昭和64年1月8日', precision: 'DAY', raw: 'S640108' },
        changeReason: 'RESIDENT_CODE_ENTRY',
      });
    });

    test('a removed person without a number', async () => {
      expect(await identity(C.code, 'individualNumber')).toMatchObject({
        changeReason: 'DEATH',
        changedOn: { iso: '2023-03-10', wareki: '令和5年3月10日' },
        birthDate: { iso: '1926-01-01', wareki: '大正15年1月1日' },
        individualNumber: null,
      });
    });

    test('a day the calendar lacks is kept, never invented; a Latin name padded with ASCII spaces; no kana; no 異動年月日', async () => {
      expect(await identity(D.code)).toMatchObject({
        name: 'ZZYZX JOHN',
        nameKana: null,
        birthDate: { iso: null, wareki: '平成3年2月29日', precision: 'DAY', calendarValid: false, raw: 'H030229' },
        changeReason: 'MOVE_IN',
        changedOn: null,
      });
    });

    test('統一文字 J+XXXX passed through; an unknown 異動事由 code → CORRECTION; an impossible 更新日時 → null, not a guess', async () => {
      expect(await identity(E.code)).toMatchObject({
        name: 'J+7E3A川\u3000次郎',
        birthDate: { iso: '2020-03', wareki: '令和2年3月', precision: 'MONTH', raw: 'R020300' },
        changeReason: 'CORRECTION',
        updatedAt: null,
      });
    });

    test('every 異動事由 code of the seed writer maps to its IdentityChangeReason', async () => {
      const fields = REASON_ROWS.map((row, i) => `p${i}: identityByResidentCode(residentCode: "${row.code}") { changeReason }`).join(' ');
      const { data, errors } = await query(`{ ${fields} }`);
      expect(errors).toBeUndefined();
      expect(REASON_ROWS.map((_, i) => data?.[`p${i}`].changeReason)).toEqual(REASON_CODES.map(({ reason }) => reason));
      expect(new Set(REASON_CODES.map(({ reason }) => reason)).size).toBe(10);
    });
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
    expect(withNumber.response.data?.identityByResidentCode.individualNumber).toBe('900000000001');
    expect(withNumber.count).toBe(2);
    expect(withNumber.sql.filter((s) => s.includes('CS_KOJIN_BANGO'))).toHaveLength(1);
    expect(withNumber.sql.filter((s) => s.includes('HONNIN_KAKUNIN')).join(' ')).not.toContain('KOJIN_NO');
  });

  test('本人確認情報 by 個人番号, in one statement, the number included', async () => {
    const { count, response } = await countStatements(byNumber('individualNumber'), { n: '900000000001' });
    expect(response.errors).toBeUndefined();
    expect(response.data?.identityByIndividualNumber).toEqual({ ...A_EXPECTED, individualNumber: '900000000001' });
    expect(count).toBe(1);
  });

  test('a number typed with full-width digits and surrounding spaces is the same number', async () => {
    const { data, errors } = await query(byNumber(), { n: ' ３１４１５９２６５３５２ ' });
    expect(errors).toBeUndefined();
    expect(data?.identityByIndividualNumber.residentCode).toBe(FIXTURE_FEB29_COMMON_YEAR.residentCode);
  });

  test('a valid number nobody holds is null, not an error', async () => {
    const { data, errors } = await query(byNumber(), { n: '900000000036' });
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
    const text = JSON.stringify(response.errors);
    for (const part of n.split('-')) expect(text).not.toContain(part.length > 4 ? part : n);
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
      { residentCode: A.code, identityInfo: { ...A_EXPECTED, individualNumber: '900000000001' } },
      null,
      { residentCode: C.code, identityInfo: expect.objectContaining({ residentCode: C.code, changeReason: 'DEATH', individualNumber: null }) },
    ]);
  });

  test('SQL statements per operation do not grow with the number of persons (1 vs 50 via _entities)', async () => {
    const representations = (n: number) => numbered.slice(0, n).map(([code]) => ({ __typename: 'Resident', residentCode: code }));
    const one = await countStatements(ENTITIES, { representations: representations(1) });
    const fifty = await countStatements(ENTITIES, { representations: representations(50) });
    expect(one.response.errors).toBeUndefined();
    expect(fifty.response.errors).toBeUndefined();
    expect(fifty.response.data?._entities).toHaveLength(50);
    for (const [i, entity] of (fifty.response.data?._entities as any[]).entries()) {
      expect(entity.identityInfo.residentCode).toBe(numbered[i][0]);
      expect(entity.identityInfo.individualNumber).toBe(numbered[i][1]);
    }
    // One statement for the identities (the reference and identityInfo share it), one for the numbers.
    expect(one.count).toBe(2);
    expect(fifty.count).toBe(one.count);
  });

  test('the query paths also stay at one statement per batch', async () => {
    const fields = (i: number) => `p${i}: identityByResidentCode(residentCode: "${numbered[i][0]}") { name individualNumber resident { residentCode } }`;
    const numbers = (i: number) => `n${i}: identityByIndividualNumber(individualNumber: "${numbered[i + 30][1]}") { residentCode individualNumber }`;
    const one = await countStatements(`{ ${fields(0)} ${numbers(0)} }`, {});
    const many = await countStatements(`{ ${numbered.slice(0, 30).map((_, i) => fields(i) + numbers(i)).join(' ')} }`, {});
    expect(many.response.errors).toBeUndefined();
    expect(Object.keys(many.response.data ?? {})).toHaveLength(60);
    expect(many.response.data?.p29.individualNumber).toBe(numbered[29][1]);
    expect(many.response.data?.n29).toEqual({ residentCode: numbered[59][0], individualNumber: numbered[59][1] });
    // Identities by code, numbers by code, identities by number (joined to their number).
    expect(one.count).toBe(3);
    expect(many.count).toBe(one.count);
  });

  describe('searchIdentity (4情報検索)', () => {
    const search = (criteria: Record<string, unknown>, first?: number) => query(SEARCH, { criteria, first });
    const codes = (response: GraphQLBody) => response.data?.searchIdentity.matches.map((m: { residentCode: string }) => m.residentCode);

    test('name (exact, padding and the width of the inner space ignored) + birth date', async () => {
      for (const name of ['宇宙野\u3000太郎', '宇宙野 太郎', '\u3000宇宙野\u3000太郎 ']) {
        const response = await search({ name, birthDate: '1970-01-15' });
        expect(response.errors).toBeUndefined();
        expect(response.data?.searchIdentity).toEqual({ matches: [{ residentCode: A.code, name: '宇宙野\u3000太郎', changeReason: 'MOVE_WITHIN' }], truncated: false });
      }
      // Exact: a prefix of the name is not the name.
      expect(codes(await search({ name: '宇宙野', birthDate: '1970-01-15' }))).toEqual([]);
    });

    test('a name with a 外字 and a Latin name padded with ASCII spaces are found by their exact value', async () => {
      expect(codes(await search({ name: '\uE001野\u3000花子', sex: 'FEMALE' }))).toEqual([B.code]);
      expect(codes(await search({ name: 'ZZYZX JOHN', address: '東京都世田谷区経堂' }))).toEqual([D.code]);
    });

    test('kana prefix ignores script, width, dakuten, small kana and spaces; removed persons included; ordered by 住民票コード', async () => {
      for (const nameKana of ['うちゅうの', 'ｳﾁｭｳﾉ', 'ウチユウノ', 'ウ チュ ウ ノ', 'ヴチュウノ']) {
        const response = await search({ nameKana, address: '東京都世田谷区' });
        expect(response.errors).toBeUndefined();
        expect(codes(response)).toEqual([A.code, B.code, C.code]);
        expect(response.data?.searchIdentity.truncated).toBe(false);
      }
    });

    test('`first` limits the matches and `truncated` says more matched', async () => {
      const two = await search({ nameKana: 'ウチュウノ', address: '東京都' }, 2);
      expect(two.data?.searchIdentity).toEqual({ matches: [expect.objectContaining({ residentCode: A.code }), expect.objectContaining({ residentCode: B.code })], truncated: true });
      const three = await search({ nameKana: 'ウチュウノ', address: '東京都' }, 3);
      expect(codes(three)).toEqual([A.code, B.code, C.code]);
      expect(three.data?.searchIdentity.truncated).toBe(false);
      const defaulted = await search({ nameKana: 'ギンガ', sex: 'MALE' });
      expect(codes(defaulted)).toEqual([...REASON_ROWS.map((row) => row.code), E.code].sort());
      expect(defaulted.data?.searchIdentity.truncated).toBe(false);
    });

    test('the birth date matches the letter-era form, including one written outside its era', async () => {
      expect(codes(await search({ nameKana: 'ウチュウノ', birthDate: '1989-01-08' }))).toEqual([B.code]);
      expect(codes(await search({ nameKana: 'ウチュウノ', birthDate: '1926-01-01' }))).toEqual([C.code]);
      expect(codes(await search({ nameKana: 'ウチュウノ', birthDate: '1989-01-09' }))).toEqual([]);
      expect(codes(await search({ name: '宇宙野\u3000太郎', birthDate: '1700-01-01' }))).toEqual([]);
    });

    test('sex narrows; the address is a prefix, with its digits in either width', async () => {
      expect(codes(await search({ nameKana: 'ウチュウノ', sex: 'MALE' }))).toEqual([A.code, C.code]);
      expect(codes(await search({ nameKana: 'ウチュウノ', address: '東京都世田谷区太子堂二丁目3番12号' }))).toEqual([A.code, B.code]);
      expect(codes(await search({ nameKana: 'ウチュウノ', address: '東京都世田谷区太子堂二丁目３番' }))).toEqual([A.code, B.code]);
      expect(codes(await search({ nameKana: 'ウチュウノ', address: '世田谷区' }))).toEqual([]);
    });

    test('LIKE wildcards in the input are literal characters', async () => {
      expect(codes(await search({ nameKana: 'ウ%', sex: 'MALE' }))).toEqual([]);
      expect(codes(await search({ nameKana: 'ウチュウ_', sex: 'MALE' }))).toEqual([]);
      expect(codes(await search({ nameKana: 'ウチュウノ', address: '東京都%' }))).toEqual([]);
      expect(codes(await search({ nameKana: 'ウチュウノ', address: '東京都_世田谷区' }))).toEqual([]);
    });

    const RULE = 'searchIdentity needs at least two of the 4 information (name or nameKana, birthDate, sex, address), one of them name or nameKana';
    test.each([
      ['one criterion', { name: '宇宙野\u3000太郎' }],
      ['no name', { birthDate: '1970-01-15', sex: 'MALE', address: '東京都' }],
      ['name and kana only (both are 氏名)', { name: '宇宙野\u3000太郎', nameKana: 'ウチュウノ' }],
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
      ['a day the calendar lacks', { nameKana: 'ウチュウノ', birthDate: '1970-02-30' }, 'criteria.birthDate must be an ISO date YYYY-MM-DD', '1970-02-30'],
      ['a wareki birth date', { nameKana: 'ウチュウノ', birthDate: 'S450115' }, 'criteria.birthDate must be an ISO date YYYY-MM-DD', 'S450115'],
    ])('%s is BAD_USER_INPUT before any SQL, and the message does not echo it', async (_what, criteria, message, secret) => {
      const { count, response } = await countStatements(SEARCH, { criteria });
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].message).toBe(message);
      expect(JSON.stringify(response.errors)).not.toContain(secret);
      expect(count).toBe(0);
    });

    test.each([0, -1, 101])('first: %d is BAD_USER_INPUT', async (first) => {
      const response = await search({ nameKana: 'ウチュウノ', sex: 'MALE' }, first);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0].message).toBe('first must be between 1 and 100');
    });

    test('a search is one statement, whatever the number of matches', async () => {
      const one = await countStatements(SEARCH, { criteria: { name: '宇宙野\u3000太郎', birthDate: '1970-01-15' } });
      const many = await countStatements(`query ($criteria: IdentitySearchCriteria!) { searchIdentity(criteria: $criteria, first: 100) { matches { ${IDENTITY_FIELDS} } truncated } }`, {
        criteria: { nameKana: 'ア', address: '東京都' },
      });
      expect(codes(one.response)).toEqual([A.code]);
      expect(many.response.errors).toBeUndefined();
      expect(many.response.data?.searchIdentity.matches.length).toBeGreaterThan(5);
      expect(one.count).toBe(1);
      expect(many.count).toBe(1);
    });
  });
});
