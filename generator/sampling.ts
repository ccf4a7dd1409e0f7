import type { SeededRandom } from '../lib/random';

/**
 * A weighted pool with its cumulative weights computed once. SeededRandom.weighted() sums the
 * weights on every call, which is fine for a handful of choices but not for name pools of a
 * hundred entries drawn a million times.
 */
export class WeightedPool<T> {
  private readonly items: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(pairs: readonly (readonly [T, number])[]) {
    if (pairs.length === 0) throw new RangeError('a weighted pool needs at least one entry');
    this.items = pairs.map(([item]) => item);
    this.cumulative = new Float64Array(pairs.length);
    let sum = 0;
    pairs.forEach(([, weight], i) => {
      if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`weights must be finite and >= 0 (got ${weight})`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new RangeError('a weighted pool needs a positive weight');
    this.total = sum;
  }

  pick(rng: SeededRandom): T {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }

  get size(): number {
    return this.items.length;
  }
}

/** Zipf-like weights for a list ordered by frequency: the first entries are much more common. */
export function rankWeighted<T>(items: readonly T[], exponent = 0.7): WeightedPool<T> {
  return new WeightedPool(items.map((item, rank) => [item, 1 / Math.pow(rank + 1, exponent)] as const));
}

/** Small non-negative counts (0, 1, 2 …) with roughly the given mean; geometric, so long tails stay rare. */
export function smallCount(rng: SeededRandom, mean: number, max: number): number {
  const p = 1 / (1 + mean);
  let n = 0;
  while (n < max && rng.next() >= p) n++;
  return n;
}
