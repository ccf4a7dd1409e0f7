import type { Knex } from 'knex';
import { REGISTER_AGGREGATES } from './legacy/aggregates';
import { offThreadAggregate } from '../shared/aggregate-worker';
import { cachedAggregate, cellsInPeriod, minimumCellSize, monthPeriod, sumBy, suppressSmallCells, todayInJapan, type StatisticCell } from '../shared/statistics';
import type { LegacyDate } from '../../lib/legacy/wareki';

export interface PopulationStatistics {
  asOf: string;
  minimumCellSize: number;
  residentTotal: number | null;
  byDistrict: StatisticCell[];
  byAgeBand: StatisticCell[];
  bySex: StatisticCell[];
  byResidentType: StatisticCell[];
  byStatus: StatisticCell[];
  movementsByMonth: StatisticCell[];
}

const SEX_LABELS = { MALE: '男', FEMALE: '女' };
const TYPE_LABELS = { JAPANESE: '日本人住民', FOREIGN: '外国人住民' };
const STATUS_LABELS = { RESIDENT: '住民', MOVED_OUT: '転出', DECEASED: '死亡', ERASED: '職権消除' };

/** Age in whole years on `asOf`; by year alone when the day or month is unknown; null when unknown. */
export function ageOn(birthDate: LegacyDate, asOf: string): number | null {
  if (!birthDate.iso) return null;
  const [year, month, day] = birthDate.iso.split('-').map(Number);
  const [y, m, d] = asOf.split('-').map(Number);
  let age = y - year;
  if (month && day && (m < month || (m === month && d < day))) age -= 1;
  return age;
}

/** Ten-year bands, 90 and over in one, and 不詳 for unknown birth dates. */
export function ageBand(age: number | null): string {
  if (age === null || age < 0) return 'unknown';
  if (age >= 90) return '90+';
  const low = Math.floor(age / 10) * 10;
  return `${low}-${low + 9}`;
}

function cells(sums: Map<string, number>, minimum: number, labelOf: (key: string) => string | null = () => null): StatisticCell[] {
  const list = [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => ({ key, label: labelOf(key), count }));
  return suppressSmallCells(list, minimum);
}

const CHOME = /[一二三四五六七八九十]+丁目$/u;

/**
 * The dashboard aggregate. Movements are counted by month over every complete month once per
 * as-of date (the cache key holds nothing the caller chooses), and the caller's period, whole
 * months only (monthPeriod), is cut from that: every window shows a month's cell exactly as
 * every other window does, so subtracting windows gives nothing a month's cell does not.
 */
export async function populationStatistics(db: Knex, period: { from?: string | null; to?: string | null }): Promise<PopulationStatistics> {
  const asOf = todayInJapan();
  const minimum = minimumCellSize();
  const months = monthPeriod(period, asOf, { from: 'movementsFrom', to: 'movementsTo' });
  const aggregate = await cachedAggregate(db, ['populationStatistics', asOf, minimum], async () => {
    const lastCompleteMonth = monthPeriod({}, asOf, { from: 'movementsFrom', to: 'movementsTo' }).toMonth;
    // Under SQLite on the register's aggregate worker, not this thread: six GROUP BY statements
    // over the whole register would stall every other request (shared/aggregate-worker.ts).
    const groups = await offThreadAggregate(db, REGISTER_AGGREGATES, 'countRegisterGroups');
    const districtNames = new Map(groups.byAddress.map((g) => [g.code.slice(0, 4), g.town.replace(CHOME, '')]));
    const total = groups.bySex.reduce((sum, g) => sum + g.count, 0);
    const movementMonth = (g: { occurredOn: LegacyDate }) => {
      const month = g.occurredOn.iso?.slice(0, 7) ?? null;
      return month !== null && month <= lastCompleteMonth ? month : null;
    };
    return {
      asOf,
      minimumCellSize: minimum,
      residentTotal: total >= minimum ? total : null,
      byDistrict: cells(sumBy(groups.byAddress, (g) => g.code.slice(0, 4), (g) => g.count), minimum, (key) => districtNames.get(key) ?? null),
      byAgeBand: cells(sumBy(groups.byBirthDate, (g) => ageBand(ageOn(g.birthDate, asOf)), (g) => g.count), minimum),
      bySex: cells(sumBy(groups.bySex, (g) => g.sex, (g) => g.count), minimum, (key) => SEX_LABELS[key as keyof typeof SEX_LABELS]),
      byResidentType: cells(sumBy(groups.byResidentType, (g) => g.residentType, (g) => g.count), minimum, (key) => TYPE_LABELS[key as keyof typeof TYPE_LABELS]),
      byStatus: cells(sumBy(groups.byStatus, (g) => g.status, (g) => g.count), minimum, (key) => STATUS_LABELS[key as keyof typeof STATUS_LABELS]),
      movementsByMonth: cells(sumBy(groups.movementsByDay, movementMonth, (g) => g.count), minimum),
    };
  });
  return { ...aggregate, movementsByMonth: cellsInPeriod(aggregate.movementsByMonth, months) };
}
