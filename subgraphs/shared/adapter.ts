import { trimFixedWidth } from '../../lib/legacy/text';

/**
 * What the four legacy adapters (subgraphs/<name>/legacy/adapter.ts) share: reading a column
 * of a legacy row, and building LIKE patterns from user input.
 */

/** A row as knex returns it from a legacy table. */
export type LegacyRow = Record<string, unknown>;

/** A CHAR/NCHAR column's value with its padding trimmed; blank (the legacy "no value") is null. */
export const text = (value: unknown): string | null => trimFixedWidth(value as string | null);

/** For NOT NULL columns: the trimmed value, '' when blank. */
export const required = (value: unknown): string => text(value) ?? '';

/** Escapes LIKE's wildcards (and the escape character) so user input matches literally; use with `escape '\'`. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
