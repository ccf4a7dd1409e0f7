/**
 * Deterministic pseudo-random numbers for the synthetic-data generator: the same seed gives
 * the same residents on every machine and Node version, so tests and demos can name people
 * by their generated IDs. Math.random cannot be seeded; this uses mulberry32 (32-bit state,
 * only Math.imul and integer shifts, hence bit-identical everywhere).
 *
 * Not for secrets: it is predictable by design.
 */

/** FNV-1a over UTF-16 code units, then murmur3's fmix32 so that similar strings get unrelated seeds. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO_POW_32 = 4294967296;

export class SeededRandom {
  /** The seed as text; numeric seeds are used as their decimal string (42 and '42' are the same stream). */
  readonly seed: string;
  private state: number;

  constructor(seed: string | number) {
    this.seed = String(seed);
    this.state = hashSeed(this.seed);
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }

  /** Uniform integer in [min, maxInclusive]. The span is limited to 2^32 values, the generator's resolution. */
  int(min: number, maxInclusive: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxInclusive) || min > maxInclusive) {
      throw new RangeError(`int(min, maxInclusive) needs integers with min <= max (got ${min}, ${maxInclusive})`);
    }
    const span = maxInclusive - min + 1;
    if (span > TWO_POW_32) throw new RangeError(`int range of ${span} values exceeds 2^32`);
    return min + Math.floor(this.next() * span);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs a non-empty array');
    return items[this.int(0, items.length - 1)];
  }

  /** Picks a value with probability proportional to its weight; zero weights are never picked. */
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of pairs) {
      if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`weights must be finite and >= 0 (got ${weight})`);
      total += weight;
    }
    if (total <= 0) throw new RangeError('weighted() needs at least one positive weight');
    const target = this.next() * total;
    let cumulative = 0;
    let last: T | undefined;
    for (const [value, weight] of pairs) {
      if (weight === 0) continue;
      cumulative += weight;
      last = value;
      if (target < cumulative) return value;
    }
    // Floating-point sums can end a hair below `target`; the last positive entry is the right answer then.
    return last as T;
  }

  /** true with probability p (p <= 0 never, p >= 1 always). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** n random decimal digits as a string; leading zeros included, as in real identifiers. */
  digits(n: number): string {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`digits(n) needs a non-negative integer (got ${n})`);
    let out = '';
    for (let i = 0; i < n; i++) out += String(this.int(0, 9));
    return out;
  }

  /**
   * An independent child stream named by `label`. It depends only on this stream's seed and the
   * label, not on how many numbers have been drawn here, so adding a draw to one generator stage
   * does not reshuffle the data of every other stage.
   */
  fork(label: string): SeededRandom {
    return new SeededRandom(`${this.seed}/${label}`);
  }
}
