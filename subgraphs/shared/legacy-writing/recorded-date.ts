import { toWarekiRaw, toWesternRaw, type EraMapping } from '../../../lib/legacy/wareki';
import type { Era, RecordedDate } from '../../../lib/synthetic/model';

/**
 * Writes a RecordedDate in a legacy era format. toWarekiRaw picks the era in force, which is
 * right for every day but the two changeover days that both eras own (明治45年7月30日 =
 * 大正元年7月30日, 大正15年12月25日 = 昭和元年12月25日); a record that kept the old era says so
 * in `era`, and only then do we count the year from that era's first day ourselves.
 */

const ERA_NAMES: Record<Era, string> = { MEIJI: '明治', TAISHO: '大正', SHOWA: '昭和', HEISEI: '平成', REIWA: '令和' };

export function recordedWarekiRaw(date: RecordedDate, eras: readonly EraMapping[]): string {
  if (date.era === undefined || date.value === null) return toWarekiRaw(date.value, eras);
  const name = ERA_NAMES[date.era];
  const era = eras.find((e) => e.name === name);
  if (!era) throw new RangeError(`era table has no ${name}`);
  const western = toWesternRaw(date.value); // YYYYMMDD with 00 for unknown parts
  const yy = Number(western.slice(0, 4)) - Number(era.firstDay.slice(0, 4)) + 1;
  if (yy < 1 || yy > 99) throw new RangeError(`year ${western.slice(0, 4)} is outside ${name}`);
  return `${era.code}${String(yy).padStart(2, '0')}${western.slice(4)}`;
}

export function recordedWesternRaw(date: RecordedDate): string {
  return toWesternRaw(date.value);
}
