/**
 * Field sets: the granted and refused coordinates of a record, stored once per distinct set
 * (AUDIT_FIELD_SET, migration 004) and named from AUDIT_LOG.field_set by their digest.
 *
 * Why: a record used to write one AUDIT_FIELD row per coordinate, and the by-field index
 * (coordinate, sequence) put each at another page, so every commit rewrote one index page per
 * field (30 pages for a 30-field answer: most of the trail's bytes and CPU per record). An app
 * sends the same few operations all day, so the sets are few: a record now adds one index entry.
 *
 * The digest is of the set's rows in a fixed order, so the same set from any process, or any
 * order of the record's lists, has one name; verify recomputes it from the hashed lists.
 */
import { createHash } from 'node:crypto';
import { fieldKey } from './rows';

export interface FieldSet {
  /** sha256 (hex) of the set's keys in order. */
  readonly id: string;
  /** The set's rows (position = place in the order), as AUDIT_FIELD_SET stores them. */
  readonly rows: readonly { field_set: string; position: number; coordinate: string; granted: boolean; policy: string | null }[];
}

/** The field set of a record's field rows (`sideRows(record).fields`), or null when it granted and refused no field (it names none). */
export function fieldSetOf(fieldRows: readonly Record<string, unknown>[]): FieldSet | null {
  const fields = fieldRows.map((row) => ({ key: fieldKey(row), row }));
  if (fields.length === 0) return null;
  fields.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const id = fieldSetId(fields.map((field) => field.key));
  return {
    id,
    rows: fields.map(({ row }, position) => ({
      field_set: id,
      position,
      coordinate: String(row.coordinate),
      granted: row.granted === true,
      policy: row.policy === null || row.policy === undefined ? null : String(row.policy),
    })),
  };
}

/** The name of a set from its keys (`fieldKey`), sorted. */
export function fieldSetId(sortedKeys: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(sortedKeys)).digest('hex');
}
