/** Reading the trail: filters and keyset pages over AUDIT_LOG (and the person / field side tables). */
import type { Knex } from 'knex';
import { AuditInputError } from './errors';
import { readHead } from './head-lock';
import { AUDIT_TABLES } from './migrations';
import { LOG_COLUMNS } from './rows';
import { MAX_PAGE_SIZE, type AuditFilter, type AuditPageRequest } from './store-contract';

/**
 * What a field filter needs to know first: the field sets that hold the coordinate (a list, when
 * short), and whether records from before migration 004 have AUDIT_FIELD rows of it. Asked apart
 * so that each page query is a plain AND that both databases plan by index: the list on
 * AUDIT_LOG's (field_set, sequence) index, and the older rows by AUDIT_FIELD's (coordinate,
 * sequence), as before. (One query with an OR of the two made PostgreSQL filter the whole log
 * through a hashed subplan.)
 *
 * The pages then stop at the chain's head as read before the lookup (`upTo`): a record appended
 * after it may name a set the lookup did not see, and a page that held a later record but not
 * that one would move the cursor past it for good. The next page (or poll) finds both.
 */
export interface FieldLookup {
  readonly upTo: number;
  readonly sets: readonly string[] | 'many';
  readonly fieldRows: boolean;
}

/** Sets listed by value up to this many; beyond, the page query selects them itself. */
const MAX_LISTED_SETS = 500;

export async function lookUpField(db: Knex, coordinate: string): Promise<FieldLookup> {
  const head = await readHead(db);
  const sets: { field_set: unknown }[] = await db(AUDIT_TABLES.fieldSet).distinct('field_set').where('coordinate', coordinate).limit(MAX_LISTED_SETS + 1);
  // Ordered as the (coordinate, sequence) index is: its first entry for the coordinate, or none.
  const older = await db(AUDIT_TABLES.field).select('sequence').where('coordinate', coordinate).orderBy([{ column: 'coordinate' }, { column: 'sequence' }]).first();
  return { upTo: head.sequence, sets: sets.length > MAX_LISTED_SETS ? 'many' : sets.map((row) => String(row.field_set)), fieldRows: older !== undefined };
}

/**
 * The page queries (each one row more than asked: whether a next page exists): one, or for a
 * field filter over a trail with older records two — records naming a set, records with
 * AUDIT_FIELD rows — whose rows the caller merges (`mergePages`). `fields`: lookUpField's answer.
 */
export function buildQueries(db: Knex, filter: AuditFilter, page: AuditPageRequest, fields?: FieldLookup): Knex.QueryBuilder[] {
  if (filter.field === undefined) return [buildQuery(db, filter, page, (query) => query)];
  if (!fields) throw new Error('buildQueries: a field filter needs its lookUpField first');
  const coordinate = filter.field;
  const namingASet = (query: Knex.QueryBuilder) =>
    fields.sets === 'many' ? query.whereIn('field_set', db(AUDIT_TABLES.fieldSet).select('field_set').where('coordinate', coordinate)) : query.whereIn('field_set', fields.sets);
  const queries = [buildQuery(db, filter, page, (query) => namingASet(query).where('sequence', '<=', fields.upTo))];
  if (fields.fieldRows) {
    queries.push(buildQuery(db, filter, page, (query) => query.whereIn('sequence', db(AUDIT_TABLES.field).select('sequence').where('coordinate', coordinate)).where('sequence', '<=', fields.upTo)));
  }
  return queries;
}

/** The rows of several page queries as one page's: in the page's order, each record once, `limit` at most. */
export function mergePages<T extends { sequence: unknown }>(pages: T[][], order: 'asc' | 'desc', limit: number): T[] {
  if (pages.length === 1) return pages[0];
  const bySequence = new Map<number, T>();
  for (const rows of pages) for (const row of rows) bySequence.set(Number(row.sequence), row);
  const sorted = [...bySequence.entries()].sort(([a], [b]) => (order === 'asc' ? a - b : b - a));
  return sorted.slice(0, limit).map(([, row]) => row);
}

function buildQuery(db: Knex, filter: AuditFilter, page: AuditPageRequest, byField: (query: Knex.QueryBuilder) => Knex.QueryBuilder): Knex.QueryBuilder {
  const first = page.first;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new AuditInputError(`first must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const order = page.order ?? 'asc';
  const query = db(AUDIT_TABLES.log).select(LOG_COLUMNS);
  if (filter.subject !== undefined) query.where('subject', filter.subject);
  if (filter.department !== undefined) query.where('department', filter.department);
  if (filter.kind !== undefined) query.where('kind', filter.kind);
  if (filter.decision !== undefined) {
    if (Array.isArray(filter.decision)) query.whereIn('decision', filter.decision);
    else query.where('decision', filter.decision);
  }
  if (filter.from !== undefined) query.where('occurred_ms', '>=', instant(filter.from, 'from'));
  if (filter.to !== undefined) query.where('occurred_ms', '<', instant(filter.to, 'to'));
  if (filter.personId !== undefined) {
    const naming = (person: string | Knex.QueryBuilder) => {
      const sequences = db(AUDIT_TABLES.person).select('sequence');
      return typeof person === 'string' ? sequences.where('person_id', person) : sequences.whereIn('person_id', person);
    };
    // The sealed references (`rc~…`) a PERSONS_ATTRIBUTED record links to this person: the
    // operations that named the person by one of them are its accesses too, listed in their own
    // place (the link records themselves are not accesses).
    const links = db(AUDIT_TABLES.log).select('sequence').where('kind', 'PERSONS_ATTRIBUTED').whereIn('sequence', naming(filter.personId));
    const references = db(AUDIT_TABLES.person).select('person_id').whereIn('sequence', links).whereNot('person_id', filter.personId);
    query.where((person) =>
      person
        .where((direct) => direct.whereIn('sequence', naming(filter.personId!)).whereNot('kind', 'PERSONS_ATTRIBUTED'))
        .orWhere((linked) => linked.where('kind', 'OPERATION').whereIn('sequence', naming(references))),
    );
  }
  byField(query);
  if (page.after !== undefined && page.after !== null) query.where('sequence', order === 'asc' ? '>' : '<', cursorSequence(page.after));
  return query.orderBy('sequence', order).limit(first + 1);
}

function instant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AuditInputError(`${name} is not an ISO 8601 time (${value})`);
  return ms;
}

function cursorSequence(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw new AuditInputError(`not an audit cursor: ${cursor}`);
  return Number(cursor);
}
