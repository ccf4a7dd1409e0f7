import { padFixedWidth } from '../../../lib/legacy/text';
import type { IsoDate, LocalDateTime } from '../../../lib/synthetic/model';

/**
 * Small formatting helpers shared by the seed writers. They know legacy conventions (fixed
 * width, compact timestamps), never a table or column.
 */

/** CHAR(n): ASCII text padded with ASCII spaces; null/empty becomes n spaces, as the legacy systems store "no value". */
export function char(value: string | null | undefined, width: number): string {
  return padFixedWidth(value, width);
}

/** NCHAR(n): Japanese text padded with U+3000. */
export function nchar(value: string | null | undefined, width: number): string {
  return padFixedWidth(value, width, { fullWidth: true });
}

/** 'YYYY-MM-DDTHH:MM:SS' → 'YYYYMMDDHHMMSS'. */
export function compactTimestamp(value: LocalDateTime): string {
  return value.slice(0, 4) + value.slice(5, 7) + value.slice(8, 10) + value.slice(11, 13) + value.slice(14, 16) + value.slice(17, 19);
}

/** 'YYYY-MM-DDTHH:MM…' → 'YYYYMMDDHHMM'. */
export function compactMinute(value: LocalDateTime): string {
  return value.slice(0, 4) + value.slice(5, 7) + value.slice(8, 10) + value.slice(11, 13) + value.slice(14, 16);
}

/** A timestamp at a fixed time of the day, for rows whose system stamps only the day's batch run. */
export function batchTimestamp(day: IsoDate, time = '020000'): string {
  return day.slice(0, 4) + day.slice(5, 7) + day.slice(8, 10) + time;
}
