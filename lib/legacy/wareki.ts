/**
 * Legacy dates of the resident DB: Japanese-era (和暦) dates stored as GYYMMDD, western dates
 * (foreign residents, card system) as YYYYMMDD, both with 00 for the unknown parts.
 *
 * The resident-record standard requires keeping dates exactly as recorded, including ones the
 * calendar does not have (平成3年2月29日), ones outside their era (昭和64年1月8日 is really
 * 平成元年), and partly unknown ones (年月日不詳, 令和2年頃). So parsing never rejects a date for
 * being impossible, and never invents one: `iso` is only filled in where an ISO 8601 value at
 * the recorded precision exists; `wareki`, `precision` and `raw` are always there.
 *
 * Known limit: until 明治5年12月2日 Japan used the lunisolar calendar, so a 明治1–5 month/day
 * is not the Gregorian month/day we return. The formula the legacy systems use (western year =
 * first year of the era + YY − 1, month and day copied) is kept on purpose, because it is what
 * the source data means operationally; no resident record in the computerised DB predates 1873.
 */
import { normalizeKana, trimFixedWidth } from './text';

export type DatePrecision = 'DAY' | 'MONTH' | 'YEAR' | 'UNKNOWN';

export interface LegacyDate {
  /** `YYYY-MM-DD` (DAY, only if the day exists), `YYYY-MM` (MONTH), `YYYY` (YEAR), else null. */
  iso: string | null;
  /** Japanese text: 令和6年4月1日, 令和元年5月1日, 昭和50年3月, 令和2年頃, 年月日不詳. */
  wareki: string;
  precision: DatePrecision;
  /** The legacy 頃 flag: the recorded date is an approximation. */
  approximate: boolean;
  /** false when the recorded day does not exist in the Gregorian calendar (then iso is null). */
  calendarValid: boolean;
  /**
   * false when the recorded era date lies outside that era (昭和64年1月8日, 令和元年4月1日).
   * The date is still converted; the flag is for data-quality reports. Always true for
   * UNKNOWN dates and for western dates (their era is derived from the date itself).
   */
  withinEra: boolean;
  /** The value exactly as read from the legacy column, padding included. */
  raw: string;
}

/** One row of a source's era table. Vendors differ (digits or letters), so it is configuration. */
export interface EraMapping {
  /** The single character in the G position of GYYMMDD: '4' or 'H'. */
  code: string;
  /** 平成 */
  name: string;
  /** YYYY-MM-DD, Gregorian. 明治 is given as 1868-01-01, -01-25, -09-08 or -10-23 by different sources. */
  firstDay: string;
  /**
   * YYYY-MM-DD, the era's last day, used only for `withinEra`. Needed because 明治→大正 and
   * 大正→昭和 changed during the day (明治45年7月30日 and 大正元年7月30日 are both real), while
   * 昭和→平成 and 平成→令和 changed at midnight. Without it: the day before the next era begins.
   */
  lastDay?: string;
}

function frozenEras(rows: EraMapping[]): readonly EraMapping[] {
  return Object.freeze(rows.map((row) => Object.freeze(row)));
}

/** The common numeric coding: 1=明治 2=大正 3=昭和 4=平成 5=令和. */
export const DEFAULT_NUMERIC_ERAS: readonly EraMapping[] = frozenEras([
  { code: '1', name: '明治', firstDay: '1868-01-25', lastDay: '1912-07-30' },
  { code: '2', name: '大正', firstDay: '1912-07-30', lastDay: '1926-12-25' },
  { code: '3', name: '昭和', firstDay: '1926-12-25', lastDay: '1989-01-07' },
  { code: '4', name: '平成', firstDay: '1989-01-08', lastDay: '2019-04-30' },
  { code: '5', name: '令和', firstDay: '2019-05-01' },
]);

/** The letter coding some vendors use: M T S H R, same days. */
export const LETTER_ERAS: readonly EraMapping[] = frozenEras(
  DEFAULT_NUMERIC_ERAS.map((era, i) => ({ ...era, code: 'MTSHR'[i] })),
);

export interface LegacyDateOptions {
  /** Era table of the source; defaults to DEFAULT_NUMERIC_ERAS. */
  eras?: readonly EraMapping[];
  /** The legacy 頃 flag stored beside the date. */
  approximate?: boolean;
}

/**
 * Raised for values that are not a date in any reading (unknown era code, non-digits, month 13).
 * The message names the problem but does not quote the value: a birth date is personal data.
 */
export class InvalidLegacyDateError extends Error {
  override readonly name = 'InvalidLegacyDateError';
  readonly code = 'INVALID_LEGACY_DATE' as const;
}

// ---------------------------------------------------------------------------------------------
// Dates as comparable integers: YYYYMMDD. Works for calendar-invalid days too (2月30日 sorts
// between 2月28日 and 3月1日), which is what withinEra needs.

type Ymd = { y: number; m: number; d: number };

const key = ({ y, m, d }: Ymd): number => y * 10000 + m * 100 + d;

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseIsoDay(value: string, what: string): Ymd {
  const match = ISO_DAY.exec(value);
  if (!match) throw new Error(`${what} must be YYYY-MM-DD`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw new Error(`${what} is not a calendar day`);
  return { y, m, d };
}

/** Days in month `m` (1–12) of year `y`, proleptic Gregorian. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** True for a day the calendar has, written YYYY-MM-DD: 2024-02-29 is one; 2023-02-29, 2024-02-30 and 2024-4-1 are not. */
export function isIsoCalendarDay(value: string): boolean {
  const match = ISO_DAY.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

interface ResolvedEra {
  era: EraMapping;
  first: Ymd;
  firstKey: number;
  lastKey: number;
}

/** Validated, sorted era tables; cached because one table serves every row of a source. */
const resolvedTables = new WeakMap<readonly EraMapping[], readonly ResolvedEra[]>();

function resolveEras(table: readonly EraMapping[]): readonly ResolvedEra[] {
  const cached = resolvedTables.get(table);
  if (cached) return cached;
  if (!Array.isArray(table) || table.length === 0) throw new Error('era table must be a non-empty array');
  const codes = new Set<string>();
  const sorted = table
    .map((era) => {
      if (typeof era.code !== 'string' || [...era.code].length !== 1) {
        throw new Error(`era table: code of ${era.name} must be a single character`);
      }
      if (codes.has(era.code)) throw new Error(`era table: code ${era.code} appears twice`);
      codes.add(era.code);
      const first = parseIsoDay(era.firstDay, `era table: firstDay of ${era.name}`);
      return { era, first, firstKey: key(first) };
    })
    .sort((a, b) => a.firstKey - b.firstKey);
  const resolved = sorted.map((entry, i) => {
    let lastKey = Number.POSITIVE_INFINITY;
    if (entry.era.lastDay !== undefined) {
      lastKey = key(parseIsoDay(entry.era.lastDay, `era table: lastDay of ${entry.era.name}`));
    } else if (i + 1 < sorted.length) {
      const next = new Date(Date.UTC(sorted[i + 1].first.y, sorted[i + 1].first.m - 1, sorted[i + 1].first.d - 1));
      lastKey = key({ y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate() });
    }
    return { ...entry, lastKey };
  });
  resolvedTables.set(table, resolved);
  return resolved;
}

/** The era in force on the earliest day of the recorded period (the latest era begun by then). */
function eraOn(table: readonly ResolvedEra[], earliest: Ymd): ResolvedEra | undefined {
  const k = key(earliest);
  let found: ResolvedEra | undefined;
  for (const entry of table) if (entry.firstKey <= k) found = entry;
  return found;
}

// ---------------------------------------------------------------------------------------------

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function isoOf(y: number, m: number, d: number, precision: DatePrecision, calendarValid: boolean): string | null {
  switch (precision) {
    case 'DAY':
      return calendarValid ? `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}` : null;
    case 'MONTH':
      return `${pad(y, 4)}-${pad(m, 2)}`;
    case 'YEAR':
      return pad(y, 4);
    default:
      return null;
  }
}

/** 年月日 part of the Japanese text; month and day are omitted when unknown (00). */
function monthDayText(m: number, d: number): string {
  return (m ? `${m}月` : '') + (d ? `${d}日` : '');
}

const UNKNOWN_TEXT = '年月日不詳';

function unknownDate(raw: string): LegacyDate {
  // 頃 on a fully unknown date says nothing, so approximate stays false.
  return { iso: null, wareki: UNKNOWN_TEXT, precision: 'UNKNOWN', approximate: false, calendarValid: true, withinEra: true, raw };
}

/**
 * Trims CHAR padding and folds full-width digits/letters ('５０６０４０１', 'Ｒ') to ASCII.
 * Returns null for a value that means "unknown": blank, or all zeros of any length (a numeric
 * legacy column holds 0, not 0000000).
 */
function cleanRaw(raw: string): string | null {
  const trimmed = trimFixedWidth(raw);
  if (trimmed === null) return null;
  const cleaned = normalizeKana(trimmed);
  return /^0+$/.test(cleaned) ? null : cleaned;
}

/**
 * Month/day rules shared by both formats: 00 marks an unknown part, a day needs a month, and
 * the numbers must be possible in some month (1–12, 1–31). Whether the day exists in that
 * particular month is not an error; it is reported as calendarValid.
 */
function precisionOf(m: number, d: number, format: string): DatePrecision {
  if (m === 0 && d !== 0) throw new InvalidLegacyDateError(`${format}: day given without a month (MM is 00)`);
  if (m > 12) throw new InvalidLegacyDateError(`${format}: month ${m} is out of range 1-12`);
  if (d > 31) throw new InvalidLegacyDateError(`${format}: day ${d} is out of range 1-31`);
  return m === 0 ? 'YEAR' : d === 0 ? 'MONTH' : 'DAY';
}

/** Earliest and latest day of the recorded period, for era look-ups. */
function periodOf(y: number, m: number, d: number): { earliest: Ymd; latest: Ymd } {
  return {
    earliest: { y, m: m || 1, d: d || 1 },
    latest: { y, m: m || 12, d: d || 31 },
  };
}

/**
 * Parses a GYYMMDD legacy date ('5060401' = 令和6年4月1日). Padding (ASCII or full-width spaces)
 * is trimmed. 00 as DD → MONTH precision, 00 as MMDD → YEAR, all zeros or blank → UNKNOWN.
 * Throws InvalidLegacyDateError for an era code the table does not know or non-digit YYMMDD.
 */
export function parseWarekiDate(raw: string | null | undefined, options: LegacyDateOptions = {}): LegacyDate {
  const original = raw ?? '';
  const table = resolveEras(options.eras ?? DEFAULT_NUMERIC_ERAS);
  const value = cleanRaw(original);
  if (value === null) return unknownDate(original);

  const chars = [...value];
  if (chars.length !== 7) {
    throw new InvalidLegacyDateError(`wareki date must be 7 characters GYYMMDD (got ${chars.length})`);
  }
  const [code, ...rest] = chars;
  const digits = rest.join('');
  const entry = table.find((e) => e.era.code === code);
  if (!entry) {
    const known = table.map((e) => e.era.code).join(', ');
    throw new InvalidLegacyDateError(`wareki date: unknown era code ${JSON.stringify(code)} (this era table knows ${known})`);
  }
  if (!/^\d{6}$/.test(digits)) throw new InvalidLegacyDateError('wareki date: YYMMDD must be 6 digits');

  const yy = Number(digits.slice(0, 2));
  const m = Number(digits.slice(2, 4));
  const d = Number(digits.slice(4, 6));
  if (yy === 0) {
    // The era is known but not the year: nothing at any precision can be said.
    if (m === 0 && d === 0) return unknownDate(original);
    throw new InvalidLegacyDateError('wareki date: year 00 with a month or day');
  }
  const precision = precisionOf(m, d, 'wareki date');
  const y = entry.first.y + yy - 1;
  const calendarValid = precision !== 'DAY' || d <= daysInMonth(y, m);
  const approximate = options.approximate === true;
  const { earliest, latest } = periodOf(y, m, d);
  return {
    iso: isoOf(y, m, d, precision, calendarValid),
    wareki: `${entry.era.name}${yy === 1 ? '元' : yy}年${monthDayText(m, d)}${approximate ? '頃' : ''}`,
    precision,
    approximate,
    calendarValid,
    // Within when the recorded period overlaps the era at all (平成31年 is within 平成).
    withinEra: key(latest) >= entry.firstKey && key(earliest) <= entry.lastKey,
    raw: original,
  };
}

/**
 * Parses a YYYYMMDD western date (foreign residents, card system), with the same 00 rules.
 * `wareki` is still the Japanese-era text, for screens that show every date in 和暦: the era in
 * force on the earliest day of the recorded period (1989 → 昭和64年, 1989年2月 → 平成元年2月),
 * or the western year for dates before the first era (1860年1月1日).
 */
export function parseWesternDate(raw: string | null | undefined, options: LegacyDateOptions = {}): LegacyDate {
  const original = raw ?? '';
  const table = resolveEras(options.eras ?? DEFAULT_NUMERIC_ERAS);
  const value = cleanRaw(original);
  if (value === null) return unknownDate(original);

  if (!/^\d{8}$/.test(value)) {
    const length = [...value].length;
    throw new InvalidLegacyDateError(
      length === 8 ? 'western date: YYYYMMDD must be 8 digits' : `western date must be 8 digits YYYYMMDD (got ${length} characters)`,
    );
  }
  const y = Number(value.slice(0, 4));
  const m = Number(value.slice(4, 6));
  const d = Number(value.slice(6, 8));
  if (y === 0) throw new InvalidLegacyDateError('western date: year 0000 with a month or day');
  const precision = precisionOf(m, d, 'western date');
  const calendarValid = precision !== 'DAY' || d <= daysInMonth(y, m);
  const approximate = options.approximate === true;
  const entry = eraOn(table, periodOf(y, m, d).earliest);
  const yearText = entry ? `${entry.era.name}${y === entry.first.y ? '元' : y - entry.first.y + 1}年` : `${y}年`;
  return {
    iso: isoOf(y, m, d, precision, calendarValid),
    wareki: `${yearText}${monthDayText(m, d)}${approximate ? '頃' : ''}`,
    precision,
    approximate,
    calendarValid,
    withinEra: true,
    raw: original,
  };
}

// ---------------------------------------------------------------------------------------------
// Writers for the synthetic-data generator.

const ISO_PARTIAL = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * Accepts YYYY-MM-DD, YYYY-MM or YYYY (partly unknown dates), or null/'' for unknown.
 * Calendar-invalid days (2023-02-29) are allowed on purpose: the generator reproduces the
 * legacy data's oddities. Month and day must still be 1–12 / 1–31.
 */
function parseIsoPartial(iso: string | null | undefined): { y: number; m: number; d: number } | null {
  if (iso === null || iso === undefined || iso === '') return null;
  const match = ISO_PARTIAL.exec(iso);
  if (!match) throw new RangeError('date must be YYYY-MM-DD, YYYY-MM or YYYY');
  const y = Number(match[1]);
  const m = match[2] === undefined ? 0 : Number(match[2]);
  const d = match[3] === undefined ? 0 : Number(match[3]);
  if (y === 0 || (match[2] !== undefined && (m < 1 || m > 12)) || (match[3] !== undefined && (d < 1 || d > 31))) {
    throw new RangeError('date has a year, month or day out of range');
  }
  return { y, m, d };
}

/**
 * 'YYYY-MM-DD' → GYYMMDD in the given era table (the latest era whose first day is on or
 * before the date; for YYYY-MM / YYYY, on or before the first day of that period). Missing
 * parts become 00, null/'' becomes 0000000. Throws RangeError for dates before the first era
 * or beyond year 99 of an era, which GYYMMDD cannot hold.
 */
export function toWarekiRaw(iso: string | null | undefined, eras: readonly EraMapping[] = DEFAULT_NUMERIC_ERAS): string {
  const date = parseIsoPartial(iso);
  if (date === null) return '0000000';
  const entry = eraOn(resolveEras(eras), periodOf(date.y, date.m, date.d).earliest);
  if (!entry) throw new RangeError('date is before the first era of the table');
  const yy = date.y - entry.first.y + 1;
  if (yy > 99) throw new RangeError(`era year ${yy} does not fit GYYMMDD`);
  return `${entry.era.code}${pad(yy, 2)}${pad(date.m, 2)}${pad(date.d, 2)}`;
}

/** 'YYYY-MM-DD' (or YYYY-MM / YYYY / null) → YYYYMMDD with 00 for the missing parts. */
export function toWesternRaw(iso: string | null | undefined): string {
  const date = parseIsoPartial(iso);
  if (date === null) return '00000000';
  return `${pad(date.y, 4)}${pad(date.m, 2)}${pad(date.d, 2)}`;
}
