import type { SeededRandom } from '../lib/random';
import type { IsoDate, LocalDateTime } from '../lib/synthetic/model';

// The generator lays its dates out around the model's reference day.
import { REFERENCE_DATE } from '../lib/synthetic/model';
export { REFERENCE_DATE };

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil: no Date objects, no time zones). */
export function dayNumber(iso: IsoDate): number {
  let y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function isoDate(day: number): IsoDate {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

export function addDays(iso: IsoDate, days: number): IsoDate {
  return isoDate(dayNumber(iso) + days);
}

/** Same month and day `years` later; 29 Feb becomes 28 Feb in a common year (the anniversary rule of 民法). */
export function addYears(iso: IsoDate, years: number): IsoDate {
  const y = Number(iso.slice(0, 4)) + years;
  let md = iso.slice(4);
  if (md === '-02-29' && !isLeapYear(y)) md = '-02-28';
  return `${String(y).padStart(4, '0')}${md}`;
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Completed years of age on `at`. */
export function ageOn(birth: IsoDate, at: IsoDate): number {
  const years = Number(at.slice(0, 4)) - Number(birth.slice(0, 4));
  return at.slice(4) < birth.slice(4) ? years - 1 : years;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a > b ? a : b;
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a < b ? a : b;
}

/** A uniformly chosen day in [from, to] (inclusive); `from` when the range is empty. */
export function randomDay(rng: SeededRandom, from: IsoDate, to: IsoDate): IsoDate {
  const a = dayNumber(from);
  const b = dayNumber(to);
  return b <= a ? from : isoDate(rng.int(a, b));
}

/** Office hours on that day (08:30–17:59), seconds included: what a counter's system stamps. */
export function officeTime(rng: SeededRandom, day: IsoDate): LocalDateTime {
  const minute = rng.int(8 * 60 + 30, 17 * 60 + 59);
  return `${day}T${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}:${pad2(rng.int(0, 59))}`;
}

/** Any time of that day: batch jobs and the national network run around the clock. */
export function anyTime(rng: SeededRandom, day: IsoDate): LocalDateTime {
  const second = rng.int(0, 86399);
  return `${day}T${pad2(Math.floor(second / 3600))}:${pad2(Math.floor(second / 60) % 60)}:${pad2(second % 60)}`;
}

/** The later of two timestamps (ISO strings compare as text). */
export function maxDateTime(a: LocalDateTime, b: LocalDateTime): LocalDateTime {
  return a > b ? a : b;
}
