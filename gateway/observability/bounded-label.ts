/**
 * A label whose values cannot grow without bound: a metric series exists per label value, so a
 * value the client chooses (an operation name, a client name) would let one caller grow the
 * gateway's memory and every scrape with a flood of random names. Values that are not of the
 * expected shape, and every new value once `limit` distinct ones were seen, collapse into one
 * fixed value (`other`); an absent value is `none`. Where a registry of names exists (trusted
 * documents), `known` admits exactly those and nothing else.
 */
export const OTHER_LABEL = 'other';
export const NONE_LABEL = 'none';

export interface BoundedLabelOptions {
  /** Distinct values kept, first seen first (default 50). */
  readonly limit?: number;
  /** The shape a value must have (default: a GraphQL name of at most 64 characters). */
  readonly pattern?: RegExp;
  /** When given, only values it accepts are kept (e.g. registered operation names); `limit` still applies. */
  readonly known?: (value: string) => boolean;
}

export class BoundedLabel {
  private readonly seen = new Set<string>();
  private readonly limit: number;
  private readonly pattern: RegExp;

  constructor(private readonly options: BoundedLabelOptions = {}) {
    this.limit = options.limit ?? 50;
    this.pattern = options.pattern ?? /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
  }

  value(raw: string | null | undefined): string {
    if (raw === null || raw === undefined || raw === '') return NONE_LABEL;
    if (this.seen.has(raw)) return raw;
    if (!this.pattern.test(raw) || raw === OTHER_LABEL || raw === NONE_LABEL) return OTHER_LABEL;
    if (this.options.known && !this.options.known(raw)) return OTHER_LABEL;
    if (this.seen.size >= this.limit) return OTHER_LABEL;
    this.seen.add(raw);
    return raw;
  }

  /** Distinct values kept so far. */
  size(): number {
    return this.seen.size;
  }
}
