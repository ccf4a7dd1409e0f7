/**
 * The audit calendar (policy/audit-calendar.yaml): business hours, weekends, holidays and the
 * thresholds the anomaly report (anomalies.ts) flags against. Data owned by the security
 * officers; this file only reads and checks it and answers "is this instant inside business
 * hours" on the ward's clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../project-root';

export const DEFAULT_CALENDAR_FILE = path.resolve(PROJECT_ROOT, 'policy', 'audit-calendar.yaml');

export const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

export interface AnomalyThresholds {
  /** More operations than this by one user on one day is unusual frequency. */
  readonly dailyOperationsPerUser: number;
  /** More than this × the department's median (same day) is unusual frequency too. */
  readonly departmentMedianFactor: number;
  /** The department comparison needs at least this many users of the department that day … */
  readonly departmentMinimumUsers: number;
  /** … and at least this many operations by the user. */
  readonly departmentMinimumOperations: number;
  /** More distinct persons than this returned to one user within one clock hour is bulk access. */
  readonly bulkPersonsPerHour: number;
  /** This many refused operations by one user on one day, or more, is repeated denials. */
  readonly repeatedDenialsPerDay: number;
}

export interface AuditCalendar {
  readonly version: string;
  readonly timeZoneName: string;
  /** Offset of the ward's clock from UTC, in minutes (+540 for Japan). */
  readonly utcOffsetMinutes: number;
  /** Minutes after local midnight: start inclusive, end exclusive. */
  readonly businessStart: number;
  readonly businessEnd: number;
  readonly weekendDays: ReadonlySet<number>;
  /** YYYY-MM-DD → name */
  readonly holidays: ReadonlyMap<string, string>;
  /** Years with at least one holiday listed: a year outside these is reported as a warning. */
  readonly coveredYears: ReadonlySet<number>;
  readonly thresholds: AnomalyThresholds;
}

export class AuditCalendarError extends Error {
  readonly code = 'AUDIT_CALENDAR_INVALID';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

/** The ward's clock at one instant. */
export interface LocalTime {
  /** YYYY-MM-DD */
  readonly date: string;
  /** YYYY-MM-DDTHH (the clock hour, for per-hour windows) */
  readonly hour: string;
  /** Minutes after local midnight. */
  readonly minutes: number;
  /** 0 = Sunday */
  readonly weekday: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

const THRESHOLD_KEYS: readonly (keyof AnomalyThresholds)[] = [
  'dailyOperationsPerUser',
  'departmentMedianFactor',
  'departmentMinimumUsers',
  'departmentMinimumOperations',
  'bulkPersonsPerHour',
  'repeatedDenialsPerDay',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Checks a parsed calendar document; throws AuditCalendarError listing every problem. */
export function compileAuditCalendar(document: unknown, file = 'policy/audit-calendar.yaml'): AuditCalendar {
  const problems: string[] = [];
  if (!isRecord(document)) throw new AuditCalendarError(file, ['the file must be a mapping']);
  const known = new Set(['version', 'author', 'approvedBy', 'timeZone', 'businessHours', 'weekendDays', 'holidays', 'thresholds']);
  for (const key of Object.keys(document)) if (!known.has(key)) problems.push(`unknown key "${key}"`);

  const version = typeof document.version === 'string' && document.version.trim() ? document.version : (problems.push('"version" must be a non-empty string'), '');
  if (typeof document.author !== 'string' || !document.author.trim()) problems.push('"author" must be a non-empty string');
  if (typeof document.approvedBy !== 'string' || !document.approvedBy.trim()) problems.push('"approvedBy" must be a non-empty string');
  else if (document.approvedBy === document.author) problems.push('"approvedBy" must be a second officer, not the author');

  let timeZoneName = '';
  let utcOffsetMinutes = 0;
  if (!isRecord(document.timeZone)) problems.push('"timeZone" must be a mapping with name and utcOffset');
  else {
    timeZoneName = String(document.timeZone.name ?? '');
    const match = OFFSET.exec(String(document.timeZone.utcOffset ?? ''));
    if (!match) problems.push('"timeZone.utcOffset" must look like "+09:00"');
    else utcOffsetMinutes = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  }

  let businessStart = 0;
  let businessEnd = 0;
  if (!isRecord(document.businessHours)) problems.push('"businessHours" must be a mapping with start and end');
  else {
    const minutesOf = (key: 'start' | 'end'): number => {
      const match = HHMM.exec(String((document.businessHours as Record<string, unknown>)[key] ?? ''));
      if (!match) {
        problems.push(`"businessHours.${key}" must be HH:MM`);
        return 0;
      }
      return Number(match[1]) * 60 + Number(match[2]);
    };
    businessStart = minutesOf('start');
    businessEnd = minutesOf('end');
    if (businessEnd <= businessStart) problems.push('"businessHours.end" must be after "businessHours.start"');
  }

  const weekendDays = new Set<number>();
  if (!Array.isArray(document.weekendDays)) problems.push('"weekendDays" must be a list of day names (Sun … Sat)');
  else {
    for (const day of document.weekendDays) {
      const index = WEEKDAY_NAMES.indexOf(day as WeekdayName);
      if (index < 0) problems.push(`"weekendDays": "${String(day)}" is not one of ${WEEKDAY_NAMES.join(', ')}`);
      else weekendDays.add(index);
    }
  }

  const holidays = new Map<string, string>();
  const coveredYears = new Set<number>();
  if (!Array.isArray(document.holidays)) problems.push('"holidays" must be a list of { date, name }');
  else {
    document.holidays.forEach((entry, index) => {
      if (!isRecord(entry) || typeof entry.date !== 'string' || typeof entry.name !== 'string') {
        problems.push(`holidays[${index}] must be { date: "YYYY-MM-DD", name }`);
        return;
      }
      if (!validDate(entry.date)) problems.push(`holidays[${index}]: "${entry.date}" is not a calendar date`);
      else if (holidays.has(entry.date)) problems.push(`holidays[${index}]: ${entry.date} is listed twice`);
      else {
        holidays.set(entry.date, entry.name);
        coveredYears.add(Number(entry.date.slice(0, 4)));
      }
    });
  }

  const thresholds = {} as Record<keyof AnomalyThresholds, number>;
  if (!isRecord(document.thresholds)) problems.push('"thresholds" must be a mapping');
  else {
    for (const key of Object.keys(document.thresholds)) {
      if (!(THRESHOLD_KEYS as readonly string[]).includes(key)) problems.push(`thresholds: unknown key "${key}"`);
    }
    for (const key of THRESHOLD_KEYS) {
      const value = document.thresholds[key];
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) problems.push(`thresholds.${key} must be a positive number`);
      else thresholds[key] = value;
    }
  }

  if (problems.length > 0) throw new AuditCalendarError(file, problems);
  return { version, timeZoneName, utcOffsetMinutes, businessStart, businessEnd, weekendDays, holidays, coveredYears, thresholds };
}

/** Reads and checks policy/audit-calendar.yaml (or another file). */
export function loadAuditCalendar(file: string = DEFAULT_CALENDAR_FILE): AuditCalendar {
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new AuditCalendarError(display, [`cannot read the file: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new AuditCalendarError(display, [`not valid YAML: ${(error as Error).message}`]);
  }
  return compileAuditCalendar(document, display);
}

/** The ward's clock at `instant` (ISO 8601 with offset); null when it is not a time. */
export function localTime(calendar: AuditCalendar, instant: string): LocalTime | null {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return null;
  const local = new Date(ms + calendar.utcOffsetMinutes * 60_000);
  const iso = local.toISOString();
  return {
    date: iso.slice(0, 10),
    hour: iso.slice(0, 13),
    minutes: local.getUTCHours() * 60 + local.getUTCMinutes(),
    weekday: local.getUTCDay(),
  };
}

/** Why a local day is not a working day (weekend or the holiday's name); null on a working day. */
export function nonWorkingReason(calendar: AuditCalendar, date: string): string | null {
  const holiday = calendar.holidays.get(date);
  if (holiday) return holiday;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return calendar.weekendDays.has(weekday) ? WEEKDAY_NAMES[weekday] : null;
}

/**
 * Why `instant` lies outside business hours ("Sat", "春分の日", "before 08:30", "after 17:15"),
 * or null inside them.
 */
export function offHoursReason(calendar: AuditCalendar, instant: string): string | null {
  const local = localTime(calendar, instant);
  if (!local) return null;
  const day = nonWorkingReason(calendar, local.date);
  if (day) return day;
  if (local.minutes < calendar.businessStart) return `before ${formatMinutes(calendar.businessStart)}`;
  if (local.minutes >= calendar.businessEnd) return `after ${formatMinutes(calendar.businessEnd)}`;
  return null;
}

export function formatMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * An instant (stored in UTC, or with any offset) for people to read, on the ward's clock with the
 * offset written out: `2026-11-05T13:30:00Z` → `2026-11-05 22:30:00 JST (+09:00)`. The stored
 * value is never changed; only its display is converted.
 */
export function formatWardInstant(calendar: AuditCalendar, instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  const local = new Date(ms + calendar.utcOffsetMinutes * 60_000).toISOString();
  const sign = calendar.utcOffsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${formatMinutes(Math.abs(calendar.utcOffsetMinutes))}`;
  const zone = calendar.timeZoneName === 'Asia/Tokyo' ? 'JST' : calendar.timeZoneName;
  return `${local.slice(0, 10)} ${local.slice(11, 19)} ${zone} (${offset})`;
}

/** `2026-11-02` on the ward's clock → the instant it begins, `2026-11-02T00:00:00+09:00`. */
export function startOfLocalDay(calendar: AuditCalendar, date: string): string {
  const sign = calendar.utcOffsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(calendar.utcOffsetMinutes);
  return `${date}T00:00:00${sign}${formatMinutes(offset)}`;
}

/** The day after `date` (YYYY-MM-DD). */
export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export function isCalendarDate(value: string): boolean {
  return validDate(value);
}
