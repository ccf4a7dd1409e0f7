import { daysInMonth } from './wareki';

/**
 * Legacy timestamps: Japan time written as digits, YYYYMMDDHHMMSS (CHAR(14)), or YYYYMMDDHHMM
 * where a system records minutes only. Each legacy system decides what a value that is not a
 * time means (an error, or "no value"); this only says whether it is one, and which.
 */

const JST_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/;

export interface JstTimestampOptions {
  /** Also accept YYYYMMDDHHMM; the seconds are then written :00 (the minute is what was recorded). */
  allowMinutes?: boolean;
}

/**
 * A legacy JST timestamp as ISO 8601 with the +09:00 offset: '20240401093000' →
 * '2024-04-01T09:30:00+09:00'. Null for anything else, including an instant the calendar lacks
 * (2月30日, 25時, year 0): never a rolled-over or guessed time. `value` is taken as it is: the
 * caller trims the CHAR padding (and folds full-width digits where its system writes them).
 */
export function jstTimestampToIso(value: string, options: JstTimestampOptions = {}): string | null {
  const match = JST_TIMESTAMP.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match;
  if (second === undefined && !options.allowMinutes) return null;
  const seconds = second ?? '00';
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, seconds].map(Number);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  return `${year}-${month}-${day}T${hour}:${minute}:${seconds}+09:00`;
}
