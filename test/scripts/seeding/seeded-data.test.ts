import { validateIndividualNumber } from '../../../lib/identifiers/individual-number';
import { hasValidModulus11 } from '../../../lib/identifiers/modulus11';
import { detectGaiji, kanaSearchKey } from '../../../lib/legacy/text';
import { LETTER_ERAS, parseWarekiDate, parseWesternDate } from '../../../lib/legacy/wareki';
import { REFERENCE_DATE } from '../../../generator/dates';
import { closeAll, openAll, removeDir, seedTemp, trim, type Databases } from '../../generator/helpers';
import type { SeedReport } from '../../../scripts/seeding/seed-all';

/**
 * What the four seeded databases must hold, read back through their legacy columns: identifiers
 * that validate, systems that agree on every person, real household shapes, removed records with
 * their reasons, and the odd legacy data that adapters must survive.
 */

const RESIDENTS = 2000;
type Row = Record<string, string | number | null>;

let dir: string;
let report: SeedReport;
let dbs: Databases;

const all = (db: keyof Databases, sql: string, ...params: unknown[]): Row[] => dbs[db].prepare(sql).all(...params) as Row[];
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const codePoints = (v: unknown): number => [...str(v)].length;

beforeAll(async () => {
  ({ dir, report } = await seedTemp({ residents: RESIDENTS }));
  dbs = openAll(dir);
});

afterAll(() => {
  if (dbs) closeAll(dbs);
  if (dir) removeDir(dir);
});

describe('report', () => {
  it('counts what the databases hold', () => {
    expect(report.residents).toBe(RESIDENTS);
    const residents = report.databases.find((d) => d.name === 'residents')!;
    expect(residents.tables.JUMIN_KIHON).toBe(RESIDENTS);
    expect(residents.bytes).toBeGreaterThan(0);
    for (const database of report.databases) {
      for (const [table, rows] of Object.entries(database.tables)) {
        const [{ n }] = all(database.name, `SELECT count(*) AS n FROM "${table}"`);
        expect([database.name, table, rows]).toEqual([database.name, table, n]);
      }
    }
  });

  it('seeds the code tables', () => {
    expect(all('residents', 'SELECT BASHO_CD FROM BASHO_MST').map((r) => r.BASHO_CD)).toEqual(
      expect.arrayContaining(['101', '102', '103', '104', '105', '201', '202', '203', '204', '205']),
    );
    const offices = all('card-progress', 'SELECT BASHO_CD, BASHO_MEI FROM KOFU_BASHO_MST ORDER BY BASHO_CD');
    expect(offices.map((r) => trim(r.BASHO_MEI))).toEqual(
      expect.arrayContaining(['世田谷総合支所', '北沢総合支所', '玉川総合支所', '砧総合支所', '烏山総合支所', '太子堂出張所', '経堂出張所', '用賀出張所', '二子玉川出張所', '烏山出張所']),
    );
    for (const o of offices) expect(str(o.BASHO_CD)).toMatch(/^\d{3}$/);
    const bodies = all('intermediate', 'SELECT KIKAN_MEI FROM KIKAN_MST').map((r) => trim(r.KIKAN_MEI));
    expect(bodies).toEqual(expect.arrayContaining(['日本年金機構', '全国健康保険協会', '横浜市長']));
  });
});

describe('identifiers', () => {
  it('every individual number in the register and the CS passes the check digit', () => {
    const register = all('residents', 'SELECT KOJIN_NO FROM KOJIN_BANGO');
    const cs = all('juki-cs', 'SELECT KOJIN_NO FROM CS_KOJIN_BANGO');
    expect(register.length).toBeGreaterThan(RESIDENTS * 0.9);
    for (const { KOJIN_NO } of [...register, ...cs]) expect([KOJIN_NO, validateIndividualNumber(str(KOJIN_NO)).ok]).toEqual([KOJIN_NO, true]);
  });

  it('about 97% of living residents have an individual number, a few have none', () => {
    const [{ living, numbered }] = all(
      'residents',
      "SELECT count(*) AS living, count(k.ATENA_NO) AS numbered FROM JUMIN_KIHON j LEFT JOIN KOJIN_BANGO k ON k.ATENA_NO = j.ATENA_NO WHERE j.JUMIN_JOTAI = '0'",
    );
    const share = Number(numbered) / Number(living);
    expect(share).toBeGreaterThan(0.94);
    expect(share).toBeLessThan(0.995);
  });

  it('宛名番号 and 世帯番号 carry the modulus-11 check digit; 住民票コード are 11 digits', () => {
    for (const r of all('residents', 'SELECT ATENA_NO, SETAI_NO, JUMINHYO_CD FROM JUMIN_KIHON')) {
      expect(hasValidModulus11(str(r.ATENA_NO), 10)).toBe(true);
      expect(hasValidModulus11(str(r.SETAI_NO), 10)).toBe(true);
      expect(str(r.JUMINHYO_CD)).toMatch(/^\d{11}$/);
    }
  });
});

describe('the CS agrees with the register', () => {
  let register: Map<string, Row>;
  let cs: Map<string, Row>;
  let registerNumbers: Map<string, string>;
  let csNumbers: Map<string, string>;

  beforeAll(() => {
    register = new Map(all('residents', 'SELECT * FROM JUMIN_KIHON').map((r) => [str(r.JUMINHYO_CD), r]));
    cs = new Map(all('juki-cs', 'SELECT * FROM HONNIN_KAKUNIN').map((r) => [str(r.JUMINHYO_CD), r]));
    registerNumbers = new Map(all('residents', 'SELECT ATENA_NO, KOJIN_NO FROM KOJIN_BANGO').map((r) => [str(r.ATENA_NO), str(r.KOJIN_NO)]));
    csNumbers = new Map(all('juki-cs', 'SELECT JUMINHYO_CD, KOJIN_NO FROM CS_KOJIN_BANGO').map((r) => [str(r.JUMINHYO_CD), str(r.KOJIN_NO)]));
  });

  it('holds every person of the register, removed ones flagged', () => {
    expect([...cs.keys()].sort()).toEqual([...register.keys()].sort());
    for (const [code, r] of register) expect([code, cs.get(code)!.SAKUJO_FLG]).toEqual([code, r.JUMIN_JOTAI === '0' ? '0' : '1']);
    expect([...cs.values()].some((r) => r.SAKUJO_FLG === '1')).toBe(true);
  });

  it('has the same individual number for every person', () => {
    for (const [code, r] of register) {
      expect([code, csNumbers.get(code) ?? null]).toEqual([code, registerNumbers.get(str(r.ATENA_NO)) ?? null]);
    }
  });

  it('has the same 4 information (氏名, 生年月日, 性別, 住所)', () => {
    for (const [code, r] of register) {
      const c = cs.get(code)!;
      expect(trim(c.SHIMEI)).toBe(trim(r.SHIMEI_KANJI));
      expect(c.SEIBETSU).toBe(r.SEIBETSU);
      expect(trim(c.JUSHO)).toBe(trim(r.JUSHO) + trim(r.BANCHI));
      expect(c.KENSAKU_KANA).toBe(r.KENSAKU_KANA);
      const csBirth = parseWarekiDate(str(c.SEINENGAPPI), { eras: LETTER_ERAS });
      const registerBirth = r.JUMIN_SHUBETSU === '2' ? parseWesternDate(str(r.SEINENGAPPI_SEI)) : parseWarekiDate(str(r.SEINENGAPPI_WA));
      expect([code, csBirth.iso, csBirth.precision, csBirth.calendarValid]).toEqual([code, registerBirth.iso, registerBirth.precision, registerBirth.calendarValid]);
      if (r.JUMIN_SHUBETSU === '1') expect(csBirth.wareki).toBe(registerBirth.wareki);
    }
  });
});

describe('households', () => {
  it('have exactly one head, who is the SETAI row’s head, and members in order', () => {
    const members = new Map<string, Row[]>();
    for (const r of all('residents', 'SELECT SETAI_NO, SETAI_JUN, ZOKUGARA_CD, ATENA_NO FROM JUMIN_KIHON ORDER BY SETAI_NO, SETAI_JUN')) {
      members.set(str(r.SETAI_NO), [...(members.get(str(r.SETAI_NO)) ?? []), r]);
    }
    const heads = new Map(all('residents', 'SELECT SETAI_NO, SETAINUSHI_ATENA_NO FROM SETAI').map((r) => [str(r.SETAI_NO), str(r.SETAINUSHI_ATENA_NO)]));
    expect(heads.size).toBe(members.size);
    const sizes = new Set<number>();
    for (const [setai, list] of members) {
      const headRows = list.filter((m) => m.ZOKUGARA_CD === '01');
      expect([setai, headRows.length]).toEqual([setai, 1]);
      expect(heads.get(setai)).toBe(headRows[0].ATENA_NO);
      expect(list.map((m) => m.SETAI_JUN)).toEqual(list.map((_, i) => i + 1));
      sizes.add(list.length);
    }
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('use the relationship codes of the register', () => {
    const codes = new Set(all('residents', 'SELECT DISTINCT ZOKUGARA_CD AS c FROM JUMIN_KIHON').map((r) => str(r.c)));
    for (const code of ['01', '02', '04', '13']) expect(codes).toContain(code);
  });
});

describe('removed records (除票)', () => {
  it('about 8% of persons, each with a reason and a date; 転出 with a destination', () => {
    const rows = all('residents', 'SELECT JUMIN_JOTAI, SHOJO_JIYU_CD, SHOJO_YMD, TENSHUTSU_SAKI FROM JUMIN_KIHON');
    const removed = rows.filter((r) => r.JUMIN_JOTAI !== '0');
    expect(removed.length / rows.length).toBeGreaterThan(0.05);
    expect(removed.length / rows.length).toBeLessThan(0.12);
    const reasons = { '1': '11', '2': '21', '3': '31' } as Record<string, string>;
    for (const r of rows) {
      if (r.JUMIN_JOTAI === '0') {
        expect([trim(r.SHOJO_JIYU_CD), trim(r.SHOJO_YMD), trim(r.TENSHUTSU_SAKI)]).toEqual(['', '', '']);
        continue;
      }
      expect(r.SHOJO_JIYU_CD).toBe(reasons[str(r.JUMIN_JOTAI)]);
      const date = parseWarekiDate(str(r.SHOJO_YMD));
      expect(date.precision).toBe('DAY');
      expect(date.iso! <= REFERENCE_DATE).toBe(true);
      if (r.JUMIN_JOTAI === '1') expect(trim(r.TENSHUTSU_SAKI)).not.toBe('');
      else expect(trim(r.TENSHUTSU_SAKI)).toBe('');
    }
    expect(new Set(removed.map((r) => r.JUMIN_JOTAI))).toEqual(new Set(['1', '2', '3']));
  });

  it('movement history starts with an entry and ends as the status says, in date order', () => {
    const status = new Map(all('residents', 'SELECT ATENA_NO, JUMIN_JOTAI, JUMIN_YMD FROM JUMIN_KIHON').map((r) => [str(r.ATENA_NO), r]));
    const history = new Map<string, Row[]>();
    for (const r of all('residents', 'SELECT * FROM IDO_RIREKI ORDER BY ATENA_NO, IDO_SEQ')) history.set(str(r.ATENA_NO), [...(history.get(str(r.ATENA_NO)) ?? []), r]);
    expect(history.size).toBe(status.size);
    const lastBy: Record<string, string> = { '1': '03', '2': '05', '3': '08' };
    for (const [atena, events] of history) {
      const person = status.get(atena)!;
      expect(events.map((e) => e.IDO_SEQ)).toEqual(events.map((_, i) => i + 1));
      expect(['01', '04', '07']).toContain(events[0].IDO_JIYU_CD);
      expect(events[0].IDO_YMD).toBe(person.JUMIN_YMD);
      const iso = events.map((e) => parseWarekiDate(str(e.IDO_YMD)).iso!);
      expect([...iso].sort()).toEqual(iso);
      const last = str(events[events.length - 1].IDO_JIYU_CD);
      if (person.JUMIN_JOTAI === '0') expect(['03', '05', '08']).not.toContain(last);
      else expect([atena, last]).toEqual([atena, lastBy[str(person.JUMIN_JOTAI)]]);
    }
  });
});

describe('legacy oddities', () => {
  it('plants the odd birth dates', () => {
    const births = all('residents', "SELECT SEINENGAPPI_WA AS wa, SEINENGAPPI_FUSHO AS fusho FROM JUMIN_KIHON WHERE JUMIN_SHUBETSU = '1'");
    const raws = births.map((b) => str(b.wa));
    expect(raws).toContain('1450730'); // 明治45年7月30日
    expect(raws).toContain('2151225'); // 大正15年12月25日
    expect(raws).toContain('0000000'); // 年月日不詳
    const feb29 = raws.map((r) => parseWarekiDate(r)).filter((d) => d.precision === 'DAY' && !d.calendarValid);
    expect(feb29.length).toBeGreaterThanOrEqual(1);
    expect(raws.some((r) => /^[1-5]\d{2}(0[1-9]|1[0-2])00$/.test(r))).toBe(true); // day unknown
    expect(births.some((b) => /^[1-5]\d{2}0000$/.test(str(b.wa)) && b.fusho === ' ')).toBe(true); // month unknown
    const approximate = births.filter((b) => b.fusho === '1');
    expect(approximate.length).toBeGreaterThanOrEqual(1);
    for (const a of approximate) expect(parseWarekiDate(str(a.wa), { approximate: true }).wareki).toMatch(/頃$/);
  });

  it('has 外字 in some names, private-use and J+ forms, kept the same in the CS', () => {
    const rows = all('residents', 'SELECT JUMINHYO_CD, SHIMEI_KANJI FROM JUMIN_KIHON');
    const withGaiji = rows.filter((r) => detectGaiji(str(r.SHIMEI_KANJI)).hasGaiji);
    expect(withGaiji.length).toBeGreaterThanOrEqual(2);
    const codes = withGaiji.flatMap((r) => detectGaiji(str(r.SHIMEI_KANJI)).codes);
    expect(codes.some((c) => c.startsWith('U+E'))).toBe(true);
    expect(codes.some((c) => c.startsWith('J+'))).toBe(true);
    const cs = new Map(all('juki-cs', 'SELECT JUMINHYO_CD, SHIMEI FROM HONNIN_KAKUNIN').map((r) => [r.JUMINHYO_CD, r.SHIMEI]));
    for (const r of withGaiji) expect(trim(cs.get(r.JUMINHYO_CD))).toBe(trim(r.SHIMEI_KANJI));
  });

  it('keeps some kana half-width, with the search key maintained from the stored kana', () => {
    const rows = all('residents', 'SELECT SHIMEI_KANA, KENSAKU_KANA FROM JUMIN_KIHON');
    expect(rows.some((r) => /[\uFF66-\uFF9F]/.test(str(r.SHIMEI_KANA)))).toBe(true);
    for (const r of rows) expect(trim(r.KENSAKU_KANA)).toBe(kanaSearchKey(trim(r.SHIMEI_KANA)));
  });

  it('pads CHAR with ASCII spaces and NCHAR with U+3000, to the full width', () => {
    const rows = all('residents', 'SELECT SHIMEI_KANJI, SHIMEI_KANA, JUSHO, BANCHI, KATAGAKI, SHOJO_YMD FROM JUMIN_KIHON');
    for (const r of rows) {
      expect(codePoints(r.SHIMEI_KANJI)).toBe(30);
      expect(codePoints(r.SHIMEI_KANA)).toBe(60);
      expect(codePoints(r.JUSHO)).toBe(40);
      expect(codePoints(r.BANCHI)).toBe(20);
      expect(codePoints(r.KATAGAKI)).toBe(40);
      expect(codePoints(r.SHOJO_YMD)).toBe(7);
      expect(str(r.SHIMEI_KANJI)).toMatch(/\u3000$/);
      expect(str(r.SHIMEI_KANA)).toMatch(/ $/);
    }
  });
});

describe('foreign residents', () => {
  it('about 3–4% of persons, with their items and western birth dates', () => {
    const persons = all('residents', 'SELECT j.ATENA_NO, JUMIN_SHUBETSU, SEINENGAPPI_WA, SEINENGAPPI_SEI, g.ATENA_NO AS g FROM JUMIN_KIHON j LEFT JOIN GAIKOKUJIN g ON g.ATENA_NO = j.ATENA_NO');
    const foreign = persons.filter((p) => p.JUMIN_SHUBETSU === '2');
    expect(foreign.length / persons.length).toBeGreaterThan(0.02);
    expect(foreign.length / persons.length).toBeLessThan(0.06);
    for (const p of persons) {
      expect(p.g !== null).toBe(p.JUMIN_SHUBETSU === '2');
      if (p.JUMIN_SHUBETSU === '2') {
        expect(trim(p.SEINENGAPPI_WA)).toBe('');
        expect(str(p.SEINENGAPPI_SEI)).toMatch(/^\d{8}$/);
      } else {
        expect(trim(p.SEINENGAPPI_SEI)).toBe('');
        expect(str(p.SEINENGAPPI_WA)).toMatch(/^\d{7}$/);
      }
    }
  });

  it('residence cards and special permanent certificates have the 2+8+2 format', () => {
    const rows = all('residents', 'SELECT HO30_45_KBN, ZAIRYU_SHIKAKU, ZAIRYU_CARD_NO, TOKUEI_SHOMEISHO_NO FROM GAIKOKUJIN');
    const card = /^[A-Z]{2}\d{8}[A-Z]{2}$/;
    for (const r of rows) {
      if (r.HO30_45_KBN === '1') {
        expect(str(r.ZAIRYU_CARD_NO)).toMatch(card);
        expect(trim(r.ZAIRYU_SHIKAKU)).not.toBe('');
      }
      if (r.HO30_45_KBN === '2') {
        expect(str(r.TOKUEI_SHOMEISHO_NO)).toMatch(card);
        expect(trim(r.ZAIRYU_CARD_NO)).toBe('');
      }
    }
    expect(rows.some((r) => r.HO30_45_KBN === '1')).toBe(true);
    expect(rows.some((r) => r.HO30_45_KBN === '2')).toBe(true);
    const aliases = all('residents', "SELECT count(*) AS n FROM JUMIN_KIHON WHERE JUMIN_SHUBETSU = '2' AND trim(TSUSHO_KANJI, '　') <> ''");
    expect(Number(aliases[0].n)).toBeGreaterThanOrEqual(1);
  });
});

describe('support measures (支援措置)', () => {
  it('about 0.3% of persons, active, interim or expired, and never answered automatically while in force', () => {
    const measures = all('residents', 'SELECT ATENA_NO, KAISHI_YMD, SHURYO_YMD, KARI_FLG FROM SHIEN_SOCHI');
    const persons = new Set(measures.map((m) => str(m.ATENA_NO)));
    expect(persons.size).toBeGreaterThanOrEqual(3);
    expect(persons.size / RESIDENTS).toBeLessThan(0.01);
    const inForce = new Set<string>();
    for (const m of measures) {
      const start = parseWarekiDate(str(m.KAISHI_YMD)).iso!;
      const end = trim(m.SHURYO_YMD) ? parseWarekiDate(str(m.SHURYO_YMD)).iso! : null;
      if (m.KARI_FLG === '1') expect(end).toBeNull();
      if (start <= REFERENCE_DATE && (end === null || end >= REFERENCE_DATE)) inForce.add(str(m.ATENA_NO));
    }
    expect(inForce.size).toBeGreaterThanOrEqual(1);
    const flags = new Map(all('intermediate', 'SELECT GYOMU_ATENA_NO, JIDO_OTO_FUKA_FLG FROM TOGO_ATENA').map((r) => [str(r.GYOMU_ATENA_NO), r.JIDO_OTO_FUKA_FLG]));
    for (const atena of inForce) if (flags.has(atena)) expect([atena, flags.get(atena)]).toEqual([atena, '1']);
  });
});

describe('intermediate server', () => {
  it('links 宛名番号 of persons with individual numbers, in every 符号 state', () => {
    const numbered = new Set(all('residents', 'SELECT ATENA_NO FROM KOJIN_BANGO').map((r) => str(r.ATENA_NO)));
    const rows = all('intermediate', 'SELECT * FROM TOGO_ATENA');
    expect(rows.length / numbered.size).toBeGreaterThan(0.9);
    for (const r of rows) {
      expect(numbered.has(str(r.GYOMU_ATENA_NO))).toBe(true);
      expect(str(r.TOGO_ATENA_NO)).toMatch(/^\d{15}$/);
      expect(trim(r.FUGO_SHUTOKU_NICHIJI) !== '').toBe(r.FUGO_JOTAI_CD === '2');
    }
    expect(new Set(rows.map((r) => r.FUGO_JOTAI_CD))).toEqual(new Set(['0', '1', '2', '9']));
  });

  it('records provisions from known bodies under 別表第二 items, with every result', () => {
    const bodies = new Set(all('intermediate', 'SELECT KIKAN_CD FROM KIKAN_MST').map((r) => r.KIKAN_CD));
    const rows = all('intermediate', 'SELECT * FROM JOHO_TEIKYO_KIROKU');
    expect(rows.length).toBeGreaterThan(RESIDENTS / 2);
    for (const r of rows) {
      expect(bodies.has(r.SHOKAI_KIKAN_CD)).toBe(true);
      expect(trim(r.BEPPYO_KO)).toMatch(/^\d{1,3}$/);
      expect(str(r.SHOKAI_NICHIJI)).toMatch(/^\d{14}$/);
    }
    expect(new Set(rows.map((r) => r.TEIKYO_KEKKA_CD))).toEqual(new Set(['1', '2', '3']));
    expect(new Set(rows.map((r) => r.JIDO_OTO_KBN))).toEqual(new Set(['1', '2']));
  });
});

describe('card progress', () => {
  it('about 70% of living residents with a number have an application, its events in order', () => {
    const [{ n: living }] = all('residents', "SELECT count(*) AS n FROM JUMIN_KIHON j JOIN KOJIN_BANGO k ON k.ATENA_NO = j.ATENA_NO WHERE j.JUMIN_JOTAI = '0'");
    const applications = all('card-progress', 'SELECT * FROM CARD_SHINSEI');
    const livingSet = new Set(all('residents', "SELECT ATENA_NO FROM JUMIN_KIHON WHERE JUMIN_JOTAI = '0'").map((r) => str(r.ATENA_NO)));
    const share = applications.filter((a) => livingSet.has(str(a.ATENA_NO))).length / Number(living);
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.85);
    const events = new Map<string, Row[]>();
    for (const e of all('card-progress', 'SELECT * FROM CARD_SHINCHOKU ORDER BY SHINSEI_ID, RIREKI_SEQ')) events.set(str(e.SHINSEI_ID), [...(events.get(str(e.SHINSEI_ID)) ?? []), e]);
    const reservations = new Map(all('card-progress', 'SELECT * FROM CARD_YOYAKU').map((r) => [str(r.SHINSEI_ID), r]));
    const offices = new Set(all('card-progress', 'SELECT BASHO_CD FROM KOFU_BASHO_MST').map((r) => r.BASHO_CD));
    const numbered = new Set(all('residents', 'SELECT ATENA_NO FROM KOJIN_BANGO').map((r) => str(r.ATENA_NO)));
    const chain = ['10', '20', '30', '40', '50', '60'];
    for (const a of applications) {
      expect(numbered.has(str(a.ATENA_NO))).toBe(true);
      expect(offices.has(a.KOFU_BASHO_CD)).toBe(true);
      const codes = events.get(str(a.SHINSEI_ID))!.map((e) => str(e.JOTAI_CD));
      const progress = codes.filter((c) => c !== '90' && c !== '91');
      expect(progress).toEqual(chain.slice(0, progress.length));
      expect(codes.slice(progress.length).length).toBeLessThanOrEqual(1);
      expect(codes[codes.length - 1]).toBe(a.GENKO_JOTAI_CD);
      const times = events.get(str(a.SHINSEI_ID))!.map((e) => str(e.JOTAI_NICHIJI));
      expect([...times].sort()).toEqual(times);
      if (a.GENKO_JOTAI_CD === '50') expect(reservations.get(str(a.SHINSEI_ID))?.YOYAKU_JOTAI).toBe('1');
    }
    const states = new Set(applications.map((a) => a.GENKO_JOTAI_CD));
    for (const s of ['10', '20', '40', '50', '60', '90']) expect(states).toContain(s);
  });
});
