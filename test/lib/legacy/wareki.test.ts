import {
  DEFAULT_NUMERIC_ERAS,
  EraMapping,
  InvalidLegacyDateError,
  isIsoCalendarDay,
  LETTER_ERAS,
  parseWarekiDate,
  parseWesternDate,
  toWarekiRaw,
  toWesternRaw,
} from '../../../lib/legacy/wareki';

describe('parseWarekiDate: day precision', () => {
  it('5060401 → 2024-04-01 令和6年4月1日', () => {
    expect(parseWarekiDate('5060401')).toEqual({
      iso: '2024-04-01',
      wareki: '令和6年4月1日',
      precision: 'DAY',
      approximate: false,
      calendarValid: true,
      withinEra: true,
      raw: '5060401',
    });
  });

  it('writes year 1 as 元年: 4010108 → 1989-01-08 平成元年1月8日', () => {
    expect(parseWarekiDate('4010108')).toMatchObject({ iso: '1989-01-08', wareki: '平成元年1月8日', withinEra: true });
    expect(parseWarekiDate('5010501')).toMatchObject({ iso: '2019-05-01', wareki: '令和元年5月1日' });
  });

  it('keeps a day the calendar does not have, without inventing an ISO date', () => {
    expect(parseWarekiDate('4030229')).toEqual({
      iso: null,
      wareki: '平成3年2月29日',
      precision: 'DAY',
      approximate: false,
      calendarValid: false,
      withinEra: true,
      raw: '4030229',
    });
    expect(parseWarekiDate('3590431')).toMatchObject({ iso: null, wareki: '昭和59年4月31日', calendarValid: false });
  });

  it('accepts 29 Feb in a leap year (平成4年 = 1992)', () => {
    expect(parseWarekiDate('4040229')).toMatchObject({ iso: '1992-02-29', calendarValid: true });
  });

  it('converts the shared last/first days of 明治/大正 and 大正/昭和 as within their era', () => {
    expect(parseWarekiDate('1450730')).toMatchObject({ iso: '1912-07-30', wareki: '明治45年7月30日', withinEra: true });
    expect(parseWarekiDate('2010730')).toMatchObject({ iso: '1912-07-30', wareki: '大正元年7月30日', withinEra: true });
    expect(parseWarekiDate('2151225')).toMatchObject({ iso: '1926-12-25', wareki: '大正15年12月25日', withinEra: true });
    expect(parseWarekiDate('3011225')).toMatchObject({ iso: '1926-12-25', wareki: '昭和元年12月25日', withinEra: true });
  });

  it('converts dates outside their era and flags them', () => {
    expect(parseWarekiDate('3640107')).toMatchObject({ iso: '1989-01-07', withinEra: true });
    expect(parseWarekiDate('3640108')).toMatchObject({ iso: '1989-01-08', wareki: '昭和64年1月8日', withinEra: false });
    expect(parseWarekiDate('4310430')).toMatchObject({ iso: '2019-04-30', withinEra: true });
    expect(parseWarekiDate('4310501')).toMatchObject({ iso: '2019-05-01', wareki: '平成31年5月1日', withinEra: false });
    expect(parseWarekiDate('5010430')).toMatchObject({ iso: '2019-04-30', wareki: '令和元年4月30日', withinEra: false });
    expect(parseWarekiDate('1450731')).toMatchObject({ iso: '1912-07-31', withinEra: false });
    expect(parseWarekiDate('3650101')).toMatchObject({ iso: '1990-01-01', wareki: '昭和65年1月1日', withinEra: false });
  });
});

describe('parseWarekiDate: partial dates', () => {
  it('00 as the day gives MONTH precision', () => {
    expect(parseWarekiDate('3500300')).toEqual({
      iso: '1975-03',
      wareki: '昭和50年3月',
      precision: 'MONTH',
      approximate: false,
      calendarValid: true,
      withinEra: true,
      raw: '3500300',
    });
  });

  it('00 as month and day gives YEAR precision', () => {
    expect(parseWarekiDate('3500000')).toMatchObject({ iso: '1975', wareki: '昭和50年', precision: 'YEAR' });
  });

  it('a partial date overlapping its era is within it', () => {
    expect(parseWarekiDate('3640000')).toMatchObject({ iso: '1989', withinEra: true });
    expect(parseWarekiDate('4310400')).toMatchObject({ iso: '2019-04', withinEra: true });
    expect(parseWarekiDate('4310500')).toMatchObject({ iso: '2019-05', withinEra: false });
    expect(parseWarekiDate('5010400')).toMatchObject({ iso: '2019-04', wareki: '令和元年4月', withinEra: false });
  });

  it.each(['0000000', '', '       ', '\u3000\u3000\u3000', '0', '5000000'])('%j is UNKNOWN (年月日不詳)', (raw) => {
    expect(parseWarekiDate(raw)).toEqual({
      iso: null,
      wareki: '年月日不詳',
      precision: 'UNKNOWN',
      approximate: false,
      calendarValid: true,
      withinEra: true,
      raw,
    });
  });

  it('null from a nullable column is UNKNOWN too', () => {
    expect(parseWarekiDate(null)).toMatchObject({ precision: 'UNKNOWN', raw: '' });
  });

  it('the 頃 flag makes the date approximate', () => {
    expect(parseWarekiDate('5020000', { approximate: true })).toEqual({
      iso: '2020',
      wareki: '令和2年頃',
      precision: 'YEAR',
      approximate: true,
      calendarValid: true,
      withinEra: true,
      raw: '5020000',
    });
    expect(parseWarekiDate('3500300', { approximate: true })).toMatchObject({ wareki: '昭和50年3月頃', iso: '1975-03' });
    expect(parseWarekiDate('0000000', { approximate: true })).toMatchObject({ wareki: '年月日不詳', approximate: false });
  });
});

describe('parseWarekiDate: sources and padding', () => {
  it('reads letter era codes with LETTER_ERAS', () => {
    expect(parseWarekiDate('R060401', { eras: LETTER_ERAS })).toMatchObject({ iso: '2024-04-01', wareki: '令和6年4月1日' });
    expect(parseWarekiDate('S500300', { eras: LETTER_ERAS })).toMatchObject({ iso: '1975-03', wareki: '昭和50年3月' });
    expect(parseWarekiDate('M450730', { eras: LETTER_ERAS })).toMatchObject({ iso: '1912-07-30', withinEra: true });
  });

  it('LETTER_ERAS has the same days as DEFAULT_NUMERIC_ERAS', () => {
    expect(LETTER_ERAS.map((e) => [e.code, e.name, e.firstDay])).toEqual([
      ['M', '明治', '1868-01-25'],
      ['T', '大正', '1912-07-30'],
      ['S', '昭和', '1926-12-25'],
      ['H', '平成', '1989-01-08'],
      ['R', '令和', '2019-05-01'],
    ]);
    expect(DEFAULT_NUMERIC_ERAS.map((e) => e.code)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('takes a custom era table (明治 from 1868-01-01, other codes)', () => {
    const custom: EraMapping[] = [
      { code: '7', name: '明治', firstDay: '1868-01-01' },
      { code: '8', name: '大正', firstDay: '1912-07-30' },
      { code: '9', name: '令和', firstDay: '2019-05-01' },
    ];
    expect(parseWarekiDate('7010101', { eras: custom })).toMatchObject({ iso: '1868-01-01', withinEra: true });
    expect(parseWarekiDate('9060401', { eras: custom })).toMatchObject({ iso: '2024-04-01', wareki: '令和6年4月1日' });
    // Without lastDay an era ends the day before the next one begins.
    expect(parseWarekiDate('7450729', { eras: custom })).toMatchObject({ iso: '1912-07-29', withinEra: true });
    expect(parseWarekiDate('7450730', { eras: custom })).toMatchObject({ iso: '1912-07-30', withinEra: false });
    expect(() => parseWarekiDate('5060401', { eras: custom })).toThrow('this era table knows 7, 8, 9');
  });

  it('trims ASCII and full-width padding but keeps the raw value', () => {
    expect(parseWarekiDate(' 5060401 ')).toMatchObject({ iso: '2024-04-01', raw: ' 5060401 ' });
    expect(parseWarekiDate('5060401\u3000\u3000')).toMatchObject({ iso: '2024-04-01', raw: '5060401\u3000\u3000' });
    expect(parseWarekiDate('５０６０４０１')).toMatchObject({ iso: '2024-04-01' });
  });

  it('the default table does not know letter codes', () => {
    expect(() => parseWarekiDate('R060401')).toThrow(InvalidLegacyDateError);
    expect(() => parseWarekiDate('R060401')).toThrow('unknown era code "R" (this era table knows 1, 2, 3, 4, 5)');
  });
});

describe('parseWarekiDate: garbage', () => {
  it.each([
    ['6060401', /unknown era code "6"/],
    ['abcdefg', /unknown era code "a"/],
    ['50604O1', /YYMMDD must be 6 digits/],
    ['5-06-04', /YYMMDD must be 6 digits/],
    ['506040', /7 characters GYYMMDD \(got 6\)/],
    ['50604011', /7 characters GYYMMDD \(got 8\)/],
    ['5061301', /month 13 is out of range/],
    ['5060432', /day 32 is out of range/],
    ['5060004', /day given without a month/],
    ['5000401', /year 00 with a month or day/],
  ])('%s → InvalidLegacyDateError', (raw, message) => {
    let caught: unknown;
    try {
      parseWarekiDate(raw);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidLegacyDateError);
    const error = caught as InvalidLegacyDateError;
    expect(error.code).toBe('INVALID_LEGACY_DATE');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(raw); // a birth date is personal data
  });

  it('rejects an era table with a multi-character code', () => {
    expect(() => parseWarekiDate('5060401', { eras: [{ code: 'RR', name: '令和', firstDay: '2019-05-01' }] })).toThrow(
      /single character/,
    );
  });
});

describe('parseWesternDate', () => {
  it('gives the ISO date and the wareki text', () => {
    expect(parseWesternDate('20240401')).toEqual({
      iso: '2024-04-01',
      wareki: '令和6年4月1日',
      precision: 'DAY',
      approximate: false,
      calendarValid: true,
      withinEra: true,
      raw: '20240401',
    });
    expect(parseWesternDate('19890108')).toMatchObject({ wareki: '平成元年1月8日' });
    expect(parseWesternDate('19890107')).toMatchObject({ wareki: '昭和64年1月7日' });
    expect(parseWesternDate('19120730')).toMatchObject({ wareki: '大正元年7月30日' });
  });

  it('uses the western year text before 明治', () => {
    expect(parseWesternDate('18600101')).toMatchObject({ iso: '1860-01-01', wareki: '1860年1月1日' });
    expect(parseWesternDate('18680124')).toMatchObject({ wareki: '1868年1月24日' });
    expect(parseWesternDate('18680125')).toMatchObject({ wareki: '明治元年1月25日' });
  });

  it('applies the same 00 rules', () => {
    expect(parseWesternDate('19750300')).toMatchObject({ iso: '1975-03', wareki: '昭和50年3月', precision: 'MONTH' });
    expect(parseWesternDate('19750000')).toMatchObject({ iso: '1975', wareki: '昭和50年', precision: 'YEAR' });
    // the era in force on the first day of the period
    expect(parseWesternDate('19890000')).toMatchObject({ iso: '1989', wareki: '昭和64年' });
    expect(parseWesternDate('20190500')).toMatchObject({ iso: '2019-05', wareki: '令和元年5月' });
    expect(parseWesternDate('00000000')).toMatchObject({ iso: null, wareki: '年月日不詳', precision: 'UNKNOWN' });
    expect(parseWesternDate('  ')).toMatchObject({ precision: 'UNKNOWN', raw: '  ' });
  });

  it('keeps calendar-invalid days and approximate flags', () => {
    expect(parseWesternDate('20230229')).toMatchObject({ iso: null, wareki: '令和5年2月29日', calendarValid: false });
    expect(parseWesternDate('20000229')).toMatchObject({ iso: '2000-02-29', calendarValid: true });
    expect(parseWesternDate('19000229')).toMatchObject({ iso: null, calendarValid: false });
    expect(parseWesternDate('20200000', { approximate: true })).toMatchObject({ wareki: '令和2年頃', iso: '2020' });
  });

  it('rejects garbage', () => {
    expect(() => parseWesternDate('2024040')).toThrow(/8 digits YYYYMMDD \(got 7 characters\)/);
    expect(() => parseWesternDate('2024-4-1')).toThrow(/YYYYMMDD must be 8 digits/);
    expect(() => parseWesternDate('20241301')).toThrow(InvalidLegacyDateError);
    expect(() => parseWesternDate('00000401')).toThrow(/year 0000/);
  });
});

describe('toWarekiRaw / toWesternRaw', () => {
  it('writes GYYMMDD with the latest era begun by the date', () => {
    expect(toWarekiRaw('2024-04-01')).toBe('5060401');
    expect(toWarekiRaw('1989-01-07')).toBe('3640107');
    expect(toWarekiRaw('1989-01-08')).toBe('4010108');
    expect(toWarekiRaw('1912-07-30')).toBe('2010730');
    expect(toWarekiRaw('1912-07-29')).toBe('1450729');
    expect(toWarekiRaw('2024-04-01', LETTER_ERAS)).toBe('R060401');
  });

  it('writes partial and unknown dates with 00', () => {
    expect(toWarekiRaw('1975-03')).toBe('3500300');
    expect(toWarekiRaw('1975')).toBe('3500000');
    expect(toWarekiRaw(null)).toBe('0000000');
    expect(toWarekiRaw('2023-02-29')).toBe('5050229'); // legacy oddity, on purpose
  });

  it('round-trips through parseWarekiDate', () => {
    for (const iso of ['1950-06-15', '1989-01-08', '2019-04-30', '2019-05-01', '2001-12', '1930']) {
      expect(parseWarekiDate(toWarekiRaw(iso)).iso).toBe(iso);
    }
  });

  it('refuses what GYYMMDD cannot hold', () => {
    expect(() => toWarekiRaw('1860-01-01')).toThrow(RangeError);
    expect(() => toWarekiRaw('2024-13-01')).toThrow(RangeError);
    expect(() => toWarekiRaw('2024/04/01')).toThrow(RangeError);
  });

  it('writes YYYYMMDD', () => {
    expect(toWesternRaw('2024-04-01')).toBe('20240401');
    expect(toWesternRaw('1975-03')).toBe('19750300');
    expect(toWesternRaw('1975')).toBe('19750000');
    expect(toWesternRaw(null)).toBe('00000000');
  });
});

describe('isIsoCalendarDay', () => {
  it.each(['2024-02-29', '2000-02-29', '1989-01-08', '2024-12-31'])('%s is a calendar day', (value) => {
    expect(isIsoCalendarDay(value)).toBe(true);
  });

  it.each(['2023-02-29', '1900-02-29', '2024-02-30', '2024-04-31', '2024-13-01', '2024-00-10', '2024-01-00', '2024-4-1', '20240401', '2024-04-01T00:00', ''])(
    '%s is not',
    (value) => {
      expect(isIsoCalendarDay(value)).toBe(false);
    },
  );
});
