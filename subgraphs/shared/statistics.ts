/** Small-cell suppression for dashboard aggregates (統計: no aggregate may single out a person). */
import { GraphQLError } from 'graphql';
import { daysInMonth } from '../../lib/legacy/wareki';
import { LruCache } from '../../lib/bounded-cache';

export interface StatisticCell {
  key: string;
  label: string | null;
  count: number | null;
  suppressed: boolean;
}

export function minimumCellSize(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.STATISTICS_MIN_CELL_SIZE ?? 10);
  if (!Number.isInteger(value) || value < 1) throw new Error('STATISTICS_MIN_CELL_SIZE must be a positive integer');
  return value;
}

/**
 * Suppresses every cell under `minimum` (primary suppression). When the dimension's total is
 * published elsewhere and exactly one cell is suppressed, that cell could be recovered by
 * subtraction, so the next smallest cell is suppressed too (secondary suppression).
 */
export function suppressSmallCells(
  counts: { key: string; label?: string | null; count: number }[],
  minimum: number,
): StatisticCell[] {
  const cells: StatisticCell[] = counts
    .filter((c) => c.count > 0)
    .map((c) => ({ key: c.key, label: c.label ?? null, count: c.count, suppressed: c.count < minimum }));
  const suppressed = cells.filter((c) => c.suppressed);
  if (suppressed.length === 1) {
    const nextSmallest = cells.filter((c) => !c.suppressed).sort((a, b) => (a.count ?? 0) - (b.count ?? 0))[0];
    if (nextSmallest) nextSmallest.suppressed = true;
  }
  return cells.map((c) => (c.suppressed ? { ...c, count: null } : c));
}

/** Sums counts by a derived key (for bucketing legacy values into months, bands, districts). */
export function sumBy<T>(rows: T[], keyOf: (row: T) => string | null, countOf: (row: T) => number): Map<string, number> {
  const sums = new Map<string, number>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === null) continue;
    sums.set(key, (sums.get(key) ?? 0) + countOf(row));
  }
  return sums;
}

/**
 * Today's date in Japan (the ward's calendar), as YYYY-MM-DD. `WARD_AS_OF_DATE` pins it, so a
 * demo or a test over the synthetic world (laid out around a fixed date) does not drift as the
 * real calendar moves on (a support measure's term ending, an age band changing).
 */
export function todayInJapan(now: Date = new Date(), env: NodeJS.ProcessEnv = process.env): string {
  const pinned = env.WARD_AS_OF_DATE;
  if (pinned) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(pinned)) throw new Error('WARD_AS_OF_DATE must be an ISO date YYYY-MM-DD');
    return pinned;
  }
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** The code of a statistics period that is not made of whole, complete calendar months. */
export const STATISTICS_PERIOD_CODE = 'STATISTICS_PERIOD_NOT_WHOLE_MONTHS';

/** A statistics period: whole calendar months, `from` and `to` inclusive, as YYYY-MM. */
export interface MonthPeriod {
  readonly fromMonth: string;
  readonly toMonth: string;
}

const MONTH = /^(\d{4})-(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Months since year 0 (for comparing and stepping YYYY-MM). */
function monthIndex(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return y * 12 + (m - 1);
}

function monthOf(index: number): string {
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

function periodError(argument: string, message: string): GraphQLError {
  return new GraphQLError(`${argument} ${message}`, { extensions: { code: STATISTICS_PERIOD_CODE, argument } });
}

/**
 * One end of a period as a month: `YYYY-MM`, or the day that starts (`from`) or ends (`to`)
 * the month. Any other day is refused rather than rounded: two windows a day apart, each
 * answered, would give a day's count by subtraction (issue 10), and a silently widened
 * window would answer a question the caller did not ask.
 */
function monthAt(value: string, end: 'from' | 'to', argument: string): string {
  const month = MONTH.exec(value);
  const day = DAY.exec(value);
  const [y, m] = month ? [Number(month[1]), Number(month[2])] : day ? [Number(day[1]), Number(day[2])] : [0, 0];
  if (!(month || day) || y < 1 || m < 1 || m > 12) throw periodError(argument, 'must be a month YYYY-MM or a date YYYY-MM-DD');
  if (day) {
    const wanted = end === 'from' ? 1 : daysInMonth(y, m);
    if (Number(day[3]) !== wanted) {
      throw periodError(
        argument,
        `must ${end === 'from' ? 'start' : 'end'} a calendar month (${end === 'from' ? `${day[1]}-${day[2]}-01` : `${day[1]}-${day[2]}-${wanted}`} or ${day[1]}-${day[2]}): statistics periods are whole months, so that no two periods differ by less than a month`,
      );
    }
  }
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

/**
 * The period a statistic is asked for, in whole complete months (統計の期間: 暦月単位). The default
 * is the twelve months before the month of `asOf`; the month of `asOf` is not complete yet (its
 * cell would grow by a day's count from one day to the next), so no period may reach into it.
 */
export function monthPeriod(args: { from?: string | null; to?: string | null }, asOf: string, names: { from: string; to: string }): MonthPeriod {
  const lastComplete = monthIndex(asOf.slice(0, 7)) - 1;
  const to = args.to != null ? monthIndex(monthAt(args.to, 'to', names.to)) : lastComplete;
  const from = args.from != null ? monthIndex(monthAt(args.from, 'from', names.from)) : Math.min(to, lastComplete) - 11;
  if (to > lastComplete) throw periodError(names.to, `must not be later than ${monthOf(lastComplete)}, the last complete month`);
  if (from > to) throw periodError(names.from, `must not be later than ${names.to}`);
  return { fromMonth: monthOf(from), toMonth: monthOf(to) };
}

/** The cells of a by-month dimension that fall in `period` (keys YYYY-MM). */
export function cellsInPeriod(cells: readonly StatisticCell[], period: MonthPeriod): StatisticCell[] {
  return cells.filter((cell) => cell.key >= period.fromMonth && cell.key <= period.toMonth);
}

/**
 * STATISTICS_CACHE_SECONDS (default 60; 0 = off): how old a dashboard aggregate may be. One
 * aggregate reads the whole living register (0.4 s on 1,000,000 residents through covering
 * indexes, on the subgraph's only thread with SQLite), while dashboards refresh every few
 * seconds for many viewers; counts that are a minute old are what a dashboard shows anyway.
 */
export function statisticsCacheSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.STATISTICS_CACHE_SECONDS ?? 60);
  if (!Number.isInteger(value) || value < 0) throw new Error('STATISTICS_CACHE_SECONDS must be a non-negative integer');
  return value;
}

/**
 * Aggregates kept per database (one per subgraph process); bounded. Keys hold no caller-chosen
 * value (a period is cut from the cached aggregate, not part of its key), so this is a backstop.
 */
const MAX_CACHED_AGGREGATES = 64;
const aggregateCaches = new WeakMap<object, LruCache<{ readonly expiresAtMs: number; readonly value: Promise<unknown> }>>();

/**
 * The aggregate for `key` (everything it depends on: as-of date, period, minimum cell size),
 * computed at most once per STATISTICS_CACHE_SECONDS for all callers: callers arriving while it
 * is computed share that computation; a failed computation is not kept. Only aggregates (cells
 * already suppressed) are ever cached, never a person row.
 */
export function cachedAggregate<T>(db: object, key: readonly unknown[], compute: () => Promise<T>, nowMs: () => number = Date.now): Promise<T> {
  const ttlSeconds = statisticsCacheSeconds();
  if (ttlSeconds === 0) return compute();
  let cache = aggregateCaches.get(db);
  if (!cache) aggregateCaches.set(db, (cache = new LruCache(MAX_CACHED_AGGREGATES)));
  const cacheKey = JSON.stringify(key);
  const now = nowMs();
  // peek, not get: a hit does not refresh the entry, the oldest computed aggregate goes first.
  const cached = cache.peek(cacheKey);
  if (cached && cached.expiresAtMs > now) return cached.value as Promise<T>;
  const value = compute();
  cache.set(cacheKey, { expiresAtMs: now + ttlSeconds * 1000, value });
  value.catch(() => {
    if (cache.peek(cacheKey)?.value === value) cache.delete(cacheKey);
  });
  return value;
}
