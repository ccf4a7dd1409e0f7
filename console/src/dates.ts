/**
 * Dates as the ward reads them: 和暦 first, then the western date, always on Japan's clock
 * (JST, +09:00, no daylight saving), whatever the terminal's own time zone.
 */
export const JST_OFFSET_MINUTES = 9 * 60;
const JST_OFFSET_MS = JST_OFFSET_MINUTES * 60 * 1000;

const waDay = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { timeZone: 'Asia/Tokyo', era: 'long', year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' });

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The wall-clock parts of an instant on Japan's clock. */
export interface JstParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

export function jstParts(instant: string | Date): JstParts {
  const shifted = new Date(new Date(instant).getTime() + JST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    weekday: shifted.getUTCDay(),
  };
}

/** `2026-12-04` on Japan's clock. */
export function jstDate(instant: string | Date): string {
  const p = jstParts(instant);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** `2026-12-04 16:52:03 +09:00` */
export function formatWestern(instant: string | Date): string {
  const p = jstParts(instant);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)} +09:00`;
}

/** `令和8年12月4日(金) 16:52:03` */
export function formatWareki(instant: string | Date): string {
  const date = new Date(instant);
  const p = jstParts(date);
  return `${waDay.format(date)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** A calendar day (YYYY-MM-DD, the ward's clock) in 和暦: `令和8年12月4日(金)`. */
export function formatWarekiDay(day: string): string {
  // Noon JST of that day: the same calendar day on any clock.
  return waDay.format(new Date(`${day}T12:00:00+09:00`));
}

/** Both, for one cell: 和暦 and western. */
export function formatBoth(instant: string | Date): string {
  return `${formatWareki(instant)}（${formatWestern(instant)}）`;
}

/** Today and n days before it on Japan's clock, as YYYY-MM-DD. */
export function jstDaysAgo(days: number, now: Date = new Date()): string {
  return jstDate(new Date(now.getTime() - days * 86400000));
}

/** Every day from `from` to `to` (both YYYY-MM-DD, inclusive), at most `limit`. */
export function daysBetween(from: string, to: string, limit = 400): string[] {
  const days: string[] = [];
  let cursor = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  while (cursor <= end && days.length < limit) {
    days.push(new Date(cursor).toISOString().slice(0, 10));
    cursor += 86400000;
  }
  return days;
}
