import { trimFixedWidth } from './text';

/**
 * A legacy code column's table, kept once and read both ways: the adapter decodes the column
 * (code → value) and the seed writer encodes it (value → code), so the two can never drift.
 * Each subgraph declares its tables in `subgraphs/<name>/legacy/codes.ts` (the codes are the
 * legacy system's, so they stay beside its adapter).
 */

/**
 * A value outside the code list the legacy column documents: a data fault. It is raised, never
 * guessed at (a person shown as RESIDENT who is not, or a card shown as ISSUED, would be worse
 * than an error). Thrown inside a row's conversion, it fails that row's key only
 * (subgraphs/shared/loaders.ts). The message names the column only, never the row or the value;
 * the subgraph masks it as an internal error.
 */
export class UnknownLegacyCodeError extends Error {
  override readonly name = 'UnknownLegacyCodeError';
}

export interface CodeTable<V extends string> {
  /** TABLE.COLUMN, for error messages. */
  readonly column: string;
  /** The documented codes, in declaration order. */
  readonly codes: readonly string[];
  /** The column's value (padding trimmed) → its value; UnknownLegacyCodeError when undocumented. */
  decode(raw: unknown): V;
  /** Like decode, but null for an undocumented code: for group-by counts (counted, never invented). */
  lookup(raw: unknown): V | null;
  /** A value → the code the legacy system writes for it. */
  encode(value: V): string;
  /** [value, code] pairs, in declaration order. */
  entries(): [V, string][];
}

export interface CodeTableOptions<V extends string> {
  /**
   * The value an undocumented code stands for, where the legacy standard itself has a catch-all
   * (the CS's 異動事由 "その他の記載の修正"). Absent (the rule): an unknown code is an error.
   */
  unknown?: V;
}

/**
 * One table from value → code (so the type checker demands a code for every value). Codes must be
 * unique: a table that two values share a code in could not be read back.
 */
export function codeTable<V extends string>(column: string, codeByValue: Readonly<Record<V, string>>, options: CodeTableOptions<NoInfer<V>> = {}): CodeTable<V> {
  const pairs = Object.entries(codeByValue) as [V, string][];
  const valueByCode = new Map<string, V>();
  for (const [value, code] of pairs) {
    if (valueByCode.has(code)) throw new Error(`${column}: code ${code} is given to two values`);
    valueByCode.set(code, value);
  }
  const lookup = (raw: unknown): V | null => valueByCode.get(trimFixedWidth(raw as string | null) ?? '') ?? null;
  return {
    column,
    codes: pairs.map(([, code]) => code),
    lookup,
    decode(raw) {
      const value = lookup(raw) ?? options.unknown;
      if (value === undefined) throw new UnknownLegacyCodeError(`${column} holds a code outside its documented list`);
      return value;
    },
    encode: (value) => codeByValue[value],
    entries: () => pairs.map(([value, code]) => [value, code]),
  };
}
