import { validateIndividualNumber } from '../../lib/identifiers/individual-number';
import { hasValidModulus11 } from '../../lib/identifiers/modulus11';
import { detectGaiji } from '../../lib/legacy/text';
import { LETTER_ERAS, parseWarekiDate } from '../../lib/legacy/wareki';
import {
  FIXTURE_APPROXIMATE_BIRTH,
  FIXTURE_CHILD,
  FIXTURE_DECEASED,
  FIXTURE_ERASED,
  FIXTURE_FEB29_COMMON_YEAR,
  FIXTURE_FIRST_RESIDENT,
  FIXTURE_FOREIGN_RESIDENT,
  FIXTURE_GAIJI_INLINE,
  FIXTURE_GAIJI_PRIVATE_USE,
  FIXTURE_MOVED_OUT,
  FIXTURE_PERSON_COUNT,
  FIXTURE_SPECIAL_PERMANENT,
  FIXTURE_SUPPORT_MEASURE,
  FIXTURE_TAISHO_15,
  FIXTURE_UNKNOWN_BIRTH,
} from '../../generator/fixtures';
import { closeAll, openAll, removeDir, seedTemp, trim, type Databases } from './helpers';

/**
 * The documented fixed persons are in every world, whatever the seed, with the documented
 * values in the legacy columns. Seeded with a non-default seed on purpose.
 */

type Row = Record<string, string | number | null>;
let dir: string;
let dbs: Databases;
const one = (db: keyof Databases, sql: string, ...params: unknown[]): Row | undefined => dbs[db].prepare(sql).get(...params) as Row | undefined;
const all = (db: keyof Databases, sql: string, ...params: unknown[]): Row[] => dbs[db].prepare(sql).all(...params) as Row[];

const person = (atena: string): Row => {
  const row = one('residents', 'SELECT * FROM JUMIN_KIHON WHERE ATENA_NO = ?', atena);
  if (!row) throw new Error(`fixture ${atena} is missing`);
  return row;
};
const identity = (code: string): Row => one('juki-cs', 'SELECT * FROM HONNIN_KAKUNIN WHERE JUMINHYO_CD = ?', code)!;
const registerNumber = (atena: string): string | null => (one('residents', 'SELECT KOJIN_NO FROM KOJIN_BANGO WHERE ATENA_NO = ?', atena)?.KOJIN_NO as string) ?? null;
const csNumber = (code: string): string | null => (one('juki-cs', 'SELECT KOJIN_NO FROM CS_KOJIN_BANGO WHERE JUMINHYO_CD = ?', code)?.KOJIN_NO as string) ?? null;
const card = (atena: string): Row | undefined => one('card-progress', 'SELECT * FROM CARD_SHINSEI WHERE ATENA_NO = ?', atena);

beforeAll(async () => {
  ({ dir } = await seedTemp({ residents: 400, seed: 'fixtures-are-seed-independent' }));
  dbs = openAll(dir);
});

afterAll(() => {
  if (dbs) closeAll(dbs);
  if (dir) removeDir(dir);
});

const ALL = [
  FIXTURE_FIRST_RESIDENT,
  FIXTURE_FEB29_COMMON_YEAR,
  FIXTURE_CHILD,
  FIXTURE_GAIJI_PRIVATE_USE,
  FIXTURE_GAIJI_INLINE,
  FIXTURE_SUPPORT_MEASURE,
  FIXTURE_FOREIGN_RESIDENT,
  FIXTURE_SPECIAL_PERMANENT,
  FIXTURE_MOVED_OUT,
  FIXTURE_DECEASED,
  FIXTURE_ERASED,
  FIXTURE_TAISHO_15,
  FIXTURE_UNKNOWN_BIRTH,
  FIXTURE_APPROXIMATE_BIRTH,
];

describe('fixtures', () => {
  it.each(ALL.map((f) => [f.name, f] as const))('%s has its documented identifiers in every system', (_name, f) => {
    expect(hasValidModulus11(f.addressNumber, 10)).toBe(true);
    const row = person(f.addressNumber);
    expect(row.JUMINHYO_CD).toBe(f.residentCode);
    expect(trim(row.SHIMEI_KANJI)).toBe(f.name);
    expect(trim(identity(f.residentCode).SHIMEI)).toBe(f.name);
    expect(registerNumber(f.addressNumber)).toBe(f.individualNumber);
    expect(csNumber(f.residentCode)).toBe(f.individualNumber);
    if (f.individualNumber) expect(validateIndividualNumber(f.individualNumber).ok).toBe(true);
    if ('householdNumber' in f) expect(row.SETAI_NO).toBe(f.householdNumber);
    if ('birthRaw' in f) expect(row.JUMIN_SHUBETSU === '2' ? row.SEINENGAPPI_SEI : row.SEINENGAPPI_WA).toBe(f.birthRaw);
    if ('csBirthRaw' in f) expect(identity(f.residentCode).SEINENGAPPI).toBe(f.csBirthRaw);
  });

  it('come first: the first resident of the register is the first fixture', () => {
    const first = one('residents', 'SELECT ATENA_NO FROM JUMIN_KIHON ORDER BY ATENA_NO LIMIT 1')!;
    expect(first.ATENA_NO).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    expect(all('residents', 'SELECT ATENA_NO FROM JUMIN_KIHON ORDER BY ATENA_NO LIMIT ?', FIXTURE_PERSON_COUNT)).toHaveLength(FIXTURE_PERSON_COUNT);
  });

  it('the first resident: head of household, address, card issued at 世田谷総合支所', () => {
    const f = FIXTURE_FIRST_RESIDENT;
    const row = person(f.addressNumber);
    expect(row.ZOKUGARA_CD).toBe('01');
    expect(trim(row.SHIMEI_KANA)).toBe(f.kana);
    expect(parseWarekiDate(String(row.SEINENGAPPI_WA)).iso).toBe(f.birthIso);
    expect(trim(row.JUSHO) + trim(row.BANCHI)).toBe(f.address);
    expect(trim(identity(f.residentCode).JUSHO)).toBe(f.address);
    expect(card(f.addressNumber)).toMatchObject({ GENKO_JOTAI_CD: '60', KOFU_BASHO_CD: f.cardOfficeCode });
    expect(one('residents', 'SELECT SETAINUSHI_ATENA_NO FROM SETAI WHERE SETAI_NO = ?', f.householdNumber)!.SETAINUSHI_ATENA_NO).toBe(f.addressNumber);
  });

  it('29 Feb of a common year, with 旧氏 and a reserved card', () => {
    const f = FIXTURE_FEB29_COMMON_YEAR;
    const row = person(f.addressNumber);
    const birth = parseWarekiDate(String(row.SEINENGAPPI_WA));
    expect(birth).toMatchObject({ iso: null, calendarValid: false, wareki: '昭和53年2月29日' });
    expect(trim(row.KYUUJI_KANJI)).toBe(f.formerSurname);
    expect(card(f.addressNumber)!.GENKO_JOTAI_CD).toBe('50');
    const reservation = one('card-progress', 'SELECT * FROM CARD_YOYAKU WHERE SHINSEI_ID = ?', card(f.addressNumber)!.SHINSEI_ID);
    expect(reservation).toMatchObject({ YOYAKU_JOTAI: '1', YOYAKU_BASHO_CD: '201' });
  });

  it('外字: private-use and J+ forms, half-width kana with the search key', () => {
    const pua = person(FIXTURE_GAIJI_PRIVATE_USE.addressNumber);
    expect(detectGaiji(String(pua.SHIMEI_KANJI)).codes).toEqual([FIXTURE_GAIJI_PRIVATE_USE.gaijiCode]);
    expect(trim(pua.SHIMEI_KANA)).toBe(FIXTURE_GAIJI_PRIVATE_USE.storedKana);
    expect(trim(pua.KENSAKU_KANA)).toBe(FIXTURE_GAIJI_PRIVATE_USE.searchKana);
    const inline = person(FIXTURE_GAIJI_INLINE.addressNumber);
    expect(detectGaiji(String(inline.SHIMEI_KANJI)).codes).toEqual([FIXTURE_GAIJI_PRIVATE_USE.gaijiCode, FIXTURE_GAIJI_INLINE.gaijiCode]);
    expect(parseWarekiDate(String(inline.SEINENGAPPI_WA))).toMatchObject({ precision: 'MONTH', iso: '1950-05', wareki: '昭和25年5月' });
  });

  it('支援措置: an active renewed DV measure for mother and child, withheld from automatic answers', () => {
    const f = FIXTURE_SUPPORT_MEASURE;
    for (const atena of [f.addressNumber, f.childAddressNumber]) {
      const measures = all('residents', 'SELECT * FROM SHIEN_SOCHI WHERE ATENA_NO = ? ORDER BY SOCHI_SEQ', atena);
      expect(measures.map((m) => [m.SOCHI_KBN, parseWarekiDate(String(m.KAISHI_YMD)).iso, m.KARI_FLG])).toEqual([
        ['1', f.previousTermFrom, '0'],
        ['1', f.activeFrom, '0'],
      ]);
      expect(parseWarekiDate(String(measures[1].SHURYO_YMD)).iso).toBe(f.activeUntil);
      expect(one('intermediate', 'SELECT JIDO_OTO_FUKA_FLG FROM TOGO_ATENA WHERE GYOMU_ATENA_NO = ?', atena)!.JIDO_OTO_FUKA_FLG).toBe('1');
    }
    const linkage = one('intermediate', 'SELECT * FROM TOGO_ATENA WHERE GYOMU_ATENA_NO = ?', f.addressNumber)!;
    expect(linkage.TOGO_ATENA_NO).toBe(f.integratedAddressNumber);
    const provisions = all('intermediate', 'SELECT TEIKYO_KEKKA_CD, JIDO_OTO_KBN FROM JOHO_TEIKYO_KIROKU WHERE TOGO_ATENA_NO = ?', f.integratedAddressNumber);
    expect(provisions).toContainEqual({ TEIKYO_KEKKA_CD: '3', JIDO_OTO_KBN: '2' });
    // After the measure began, only the person herself obtained copies.
    for (const c of all('residents', 'SELECT SEIKYUSHA_KBN FROM SHOMEI_HAKKO_RIREKI WHERE ATENA_NO = ?', f.addressNumber)) expect(c.SEIKYUSHA_KBN).toBe('1');
  });

  it('foreign residents: residence card, special permanent certificate and 通称', () => {
    const f = FIXTURE_FOREIGN_RESIDENT;
    const g = one('residents', 'SELECT * FROM GAIKOKUJIN WHERE ATENA_NO = ?', f.addressNumber)!;
    expect([trim(g.KOKUSEKI), g.HO30_45_KBN, trim(g.ZAIRYU_SHIKAKU), trim(g.ZAIRYU_KIKAN), g.ZAIRYU_MANRYO_YMD, g.ZAIRYU_CARD_NO]).toEqual([
      f.nationality,
      '1',
      f.residenceStatus,
      f.periodOfStay,
      f.periodExpiresOn.replace(/-/g, ''),
      f.residenceCardNumber,
    ]);
    expect(person(f.addressNumber).JUMIN_SHUBETSU).toBe('2');
    const sp = FIXTURE_SPECIAL_PERMANENT;
    const s = one('residents', 'SELECT * FROM GAIKOKUJIN WHERE ATENA_NO = ?', sp.addressNumber)!;
    expect([trim(s.KOKUSEKI), s.HO30_45_KBN, s.TOKUEI_SHOMEISHO_NO, trim(s.ZAIRYU_CARD_NO)]).toEqual([sp.nationality, '2', sp.certificateNumber, '']);
    expect(trim(person(sp.addressNumber).TSUSHO_KANJI)).toBe(sp.alias);
  });

  it('除票: 転出 with destination, 死亡 born 明治45年7月30日, 職権消除', () => {
    const moved = person(FIXTURE_MOVED_OUT.addressNumber);
    expect([moved.JUMIN_JOTAI, moved.SHOJO_JIYU_CD, parseWarekiDate(String(moved.SHOJO_YMD)).iso, trim(moved.TENSHUTSU_SAKI)]).toEqual([
      '1',
      '11',
      FIXTURE_MOVED_OUT.removedOn,
      FIXTURE_MOVED_OUT.destination,
    ]);
    expect(identity(FIXTURE_MOVED_OUT.residentCode).SAKUJO_FLG).toBe('1');
    const dead = person(FIXTURE_DECEASED.addressNumber);
    expect([dead.JUMIN_JOTAI, dead.SHOJO_JIYU_CD, parseWarekiDate(String(dead.SHOJO_YMD)).iso]).toEqual(['2', '21', FIXTURE_DECEASED.removedOn]);
    expect(parseWarekiDate(String(dead.SEINENGAPPI_WA))).toMatchObject({ wareki: '明治45年7月30日', iso: '1912-07-30' });
    expect(parseWarekiDate(String(identity(FIXTURE_DECEASED.residentCode).SEINENGAPPI), { eras: LETTER_ERAS }).wareki).toBe('明治45年7月30日');
    const erased = person(FIXTURE_ERASED.addressNumber);
    expect([erased.JUMIN_JOTAI, erased.SHOJO_JIYU_CD, parseWarekiDate(String(erased.SHOJO_YMD)).iso]).toEqual(['3', '31', FIXTURE_ERASED.removedOn]);
    expect(parseWarekiDate(String(erased.SEINENGAPPI_WA))).toMatchObject({ precision: 'YEAR', wareki: '昭和20年' });
  });

  it('大正15年12月25日, 年月日不詳 without an individual number, and 頃', () => {
    expect(parseWarekiDate(String(person(FIXTURE_TAISHO_15.addressNumber).SEINENGAPPI_WA))).toMatchObject({ wareki: '大正15年12月25日', iso: '1926-12-25' });
    const unknown = person(FIXTURE_UNKNOWN_BIRTH.addressNumber);
    expect(parseWarekiDate(String(unknown.SEINENGAPPI_WA))).toMatchObject({ precision: 'UNKNOWN', wareki: '年月日不詳' });
    expect(unknown.JUMIN_JOTAI).toBe('0');
    const approx = person(FIXTURE_APPROXIMATE_BIRTH.addressNumber);
    expect(approx.SEINENGAPPI_FUSHO).toBe(FIXTURE_APPROXIMATE_BIRTH.approximateFlag);
    expect(parseWarekiDate(String(approx.SEINENGAPPI_WA), { approximate: true }).wareki).toBe('昭和15年頃');
  });
});
