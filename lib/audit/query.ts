/** Reading the trail: filters and keyset pages over AUDIT_LOG (and the person / field side tables). */
import type { Knex } from 'knex';
import { AuditInputError } from './errors';
import { AUDIT_TABLES } from './migrations';
import { LOG_COLUMNS } from './rows';
import { MAX_PAGE_SIZE, type AuditFilter, type AuditPageRequest } from './store-contract';

/** The page query (one row more than asked: whether a next page exists). */
export function buildQuery(db: Knex, filter: AuditFilter, page: AuditPageRequest): Knex.QueryBuilder {
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
  if (filter.field !== undefined) {
    query.whereIn('sequence', db(AUDIT_TABLES.field).select('sequence').where('coordinate', filter.field));
  }
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
