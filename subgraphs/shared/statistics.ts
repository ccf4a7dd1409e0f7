/** Small-cell suppression for dashboard aggregates (統計: no aggregate may single out a person). */

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
