import { daysBetween, jstDate, jstParts } from './dates';

/** The few fields of an audit record the charts read (never person data beyond 宛名番号 counts). */
export interface ChartRecord {
  readonly occurredAt: string;
  readonly subject: string | null;
  readonly department: string | null;
  readonly decision: string;
  readonly personIds: readonly string[];
}

export interface DailyByDepartment {
  readonly days: string[];
  /** department id → count per day (same order as days) */
  readonly series: { department: string; counts: number[] }[];
}

/** Accesses per day (ward's clock) by department. */
export function accessesPerDayByDepartment(records: readonly ChartRecord[], from: string, to: string): DailyByDepartment {
  const days = daysBetween(from, to);
  const index = new Map(days.map((day, i) => [day, i]));
  const byDepartment = new Map<string, number[]>();
  for (const record of records) {
    const i = index.get(jstDate(record.occurredAt));
    if (i === undefined) continue;
    const department = record.department ?? '(不明)';
    let counts = byDepartment.get(department);
    if (!counts) byDepartment.set(department, (counts = days.map(() => 0)));
    counts[i] += 1;
  }
  const series = [...byDepartment.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([department, counts]) => ({ department, counts }));
  return { days, series };
}

/** Weekday rows Monday first, as a ward's week reads. */
export const WEEKDAYS_MONDAY_FIRST = [1, 2, 3, 4, 5, 6, 0] as const;
export const WEEKDAY_NAMES: Readonly<Record<number, string>> = { 0: '日', 1: '月', 2: '火', 3: '水', 4: '木', 5: '金', 6: '土' };

/** [hour 0–23, weekday row 0–6 (Mon…Sun), count] for every cell, zeros included. */
export function hourWeekdayHeatmap(records: readonly ChartRecord[]): [number, number, number][] {
  const grid = WEEKDAYS_MONDAY_FIRST.map(() => new Array<number>(24).fill(0));
  for (const record of records) {
    const p = jstParts(record.occurredAt);
    grid[WEEKDAYS_MONDAY_FIRST.indexOf(p.weekday as (typeof WEEKDAYS_MONDAY_FIRST)[number])][p.hour] += 1;
  }
  const cells: [number, number, number][] = [];
  grid.forEach((hours, row) => hours.forEach((count, hour) => cells.push([hour, row, count])));
  return cells;
}

/** Whether a clock hour lies (at least partly) within business hours on a working weekday. */
export function inBusinessHours(hour: number, weekdayRow: number, start = '08:30', end = '17:15'): boolean {
  if (weekdayRow >= 5) return false; // Saturday, Sunday
  const toMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return hour * 60 + 60 > toMinutes(start) && hour * 60 < toMinutes(end);
}

const REFUSALS = new Set(['DENIED', 'PARTIAL', 'REFUSED']);

/** Refusals per day: wholly denied, partly denied, refused before execution. */
export function denialsPerDay(records: readonly ChartRecord[], from: string, to: string): { days: string[]; denied: number[]; partial: number[]; refused: number[] } {
  const days = daysBetween(from, to);
  const index = new Map(days.map((day, i) => [day, i]));
  const zero = () => days.map(() => 0);
  const result = { days, denied: zero(), partial: zero(), refused: zero() };
  for (const record of records) {
    if (!REFUSALS.has(record.decision)) continue;
    const i = index.get(jstDate(record.occurredAt));
    if (i === undefined) continue;
    if (record.decision === 'DENIED') result.denied[i] += 1;
    else if (record.decision === 'PARTIAL') result.partial[i] += 1;
    else result.refused[i] += 1;
  }
  return result;
}

/** Users by the number of distinct persons whose data they received, most first. */
export function topUsersByDistinctPersons(records: readonly ChartRecord[], limit = 10): { subject: string; department: string | null; persons: number; operations: number }[] {
  const users = new Map<string, { department: string | null; persons: Set<string>; operations: number }>();
  for (const record of records) {
    if (!record.subject) continue;
    let user = users.get(record.subject);
    if (!user) users.set(record.subject, (user = { department: record.department, persons: new Set(), operations: 0 }));
    user.operations += 1;
    for (const id of record.personIds) user.persons.add(id);
  }
  return [...users.entries()]
    .map(([subject, user]) => ({ subject, department: user.department, persons: user.persons.size, operations: user.operations }))
    .filter((user) => user.persons > 0)
    .sort((a, b) => b.persons - a.persons || a.subject.localeCompare(b.subject))
    .slice(0, limit);
}
