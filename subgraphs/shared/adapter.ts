import type { Knex } from 'knex';
import { trimFixedWidth } from '../../lib/legacy/text';

/**
 * What the four legacy adapters (subgraphs/<name>/legacy/adapter.ts) share: reading a column
 * of a legacy row (each adapter types its rows per table, legacy/rows.ts), and building LIKE
 * patterns from user input.
 */

/** A CHAR/NCHAR column's value with its padding trimmed; blank (the legacy "no value") is null. */
export const text = (value: unknown): string | null => trimFixedWidth(value as string | null);

/** For NOT NULL columns: the trimmed value, '' when blank. */
export const required = (value: unknown): string => text(value) ?? '';

/** Escapes LIKE's wildcards (and the escape character) so user input matches literally; use with `escape '\'`. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The first string after every string that starts with `prefix`, in code-point order: the
 * prefix with its last code point incremented ('ヤマ' → 'ヤミ'). Null when there is none.
 */
function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix);
  while (points.length > 0) {
    let next = points.pop()!.codePointAt(0)! + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // no surrogate halves in a string we bind
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return null;
}

/** Dialects whose text comparison is in code-point order: SQLite (BINARY), PostgreSQL (our databases: C.UTF-8). */
const CODE_POINT_ORDER_DIALECTS = new Set(['sqlite3', 'postgresql']);

/**
 * `column LIKE 'prefix%'` (wildcards in `prefix` escaped) — the definition of a match — plus,
 * where text compares in code-point order, the half-open range `column >= prefix AND column <
 * upper bound`, which holds exactly the strings starting with `prefix`, so that the prefix is
 * served from the column's B-tree. SQLite uses an index for LIKE only when the column's collation
 * matches LIKE's case folding (NOCASE), PostgreSQL only under the "C" collation or with a
 * *_pattern_ops index: without the range both read every row. Left out when `prefix` holds an
 * ASCII letter (SQLite's LIKE folds their case, the range does not), and on SQL Server, whose
 * linguistic collations do not order by code point (there the LIKE alone, as before).
 */
export function wherePrefix(query: Knex.QueryBuilder, column: string, prefix: string, options: { escape?: boolean } = {}): void {
  const dialect = (query as unknown as { client?: { dialect?: string } }).client?.dialect;
  const upper = CODE_POINT_ORDER_DIALECTS.has(dialect ?? '') && !/[A-Za-z]/.test(prefix) ? prefixUpperBound(prefix) : null;
  if (upper !== null) query.where(column, '>=', prefix).andWhere(column, '<', upper);
  if (options.escape ?? true) query.whereRaw(`?? like ? escape '\\'`, [column, `${escapeLike(prefix)}%`]);
  else query.whereRaw(`?? like ?`, [column, `${escapeLike(prefix)}%`]);
}
