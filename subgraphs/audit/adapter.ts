/**
 * The audit subgraph's adapter: the one place that talks to the audit store (lib/audit/store.ts),
 * as the legacy adapters are the one place that reads a legacy database. One store query (one
 * SQL statement) per page, whatever the page holds; the anomaly report reads its period page by
 * page, so its statements grow with the period's records, never with anything else.
 */
import { GraphQLError } from 'graphql';
import { buildAnomalyReport, PeriodError, resolvePeriod, type Period } from '../../lib/audit/anomalies';
import { isCalendarDate, nextDate, startOfLocalDay, type AuditCalendar } from '../../lib/audit/calendar';
import { AuditInputError, MAX_PAGE_SIZE, type AuditFilter as StoreFilter, type AuditStore } from '../../lib/audit/store';
import type { AuditDecision, AuditEventKind, AuditRecord } from '../../lib/audit/types';
import { badUserInput } from '../shared/errors';
import type { AnomalyReportRecord, AuditPageRecord, ChainStatusRecord } from './records';

export { MAX_PAGE_SIZE };

/** The most records `auditAnomalyReport` reads in the graph; longer periods: `npm run audit:report`. */
export const MAX_REPORT_RECORDS = 200_000;

/** The filter as the graph takes it (AuditFilter in schema/audit.graphql). */
export interface AuditFilterInput {
  subject?: string | null;
  department?: string | null;
  personId?: string | null;
  field?: string | null;
  decision?: AuditDecision | null;
  from?: string | null;
  to?: string | null;
  kind?: AuditEventKind | null;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const CURSOR = /^\d{1,15}$/;

function bound(value: string, name: 'from' | 'to', calendar: AuditCalendar): string {
  // A date is a whole day on the ward's clock: from its start, to the start of the next day.
  if (isCalendarDate(value)) return startOfLocalDay(calendar, name === 'to' ? nextDate(value) : value);
  if (INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw badUserInput(`filter.${name} must be a date (YYYY-MM-DD) or an ISO 8601 instant with an offset`);
}

/** The graph's filter → the store's: null means "any", dates become instants on the ward's clock. */
export function storeFilter(input: AuditFilterInput | null | undefined, calendar: AuditCalendar): StoreFilter {
  const filter: StoreFilter = {};
  if (!input) return filter;
  const text = (value: string | null | undefined, name: string): string | undefined => {
    if (value === null || value === undefined) return undefined;
    if (value.trim() === '') throw badUserInput(`filter.${name} must not be empty`);
    return value.trim();
  };
  const subject = text(input.subject, 'subject');
  const department = text(input.department, 'department');
  const personId = text(input.personId, 'personId');
  const field = text(input.field, 'field');
  if (subject !== undefined) filter.subject = subject;
  if (department !== undefined) filter.department = department;
  if (personId !== undefined) filter.personId = personId;
  if (field !== undefined) filter.field = field;
  if (input.decision) filter.decision = input.decision;
  if (input.kind) filter.kind = input.kind;
  if (input.from) filter.from = bound(input.from, 'from', calendar);
  if (input.to) filter.to = bound(input.to, 'to', calendar);
  if (filter.from !== undefined && filter.to !== undefined && Date.parse(filter.to) <= Date.parse(filter.from)) {
    throw badUserInput('filter.to must be after filter.from');
  }
  return filter;
}

function checkPage(first: number, after: string | null | undefined): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  if (after !== null && after !== undefined && !CURSOR.test(after)) throw badUserInput('after must be an endCursor of a previous page');
}

function asUserError(error: unknown): never {
  if (error instanceof AuditInputError) throw badUserInput(error.message);
  throw error;
}

/** One page: one store query, one SQL statement. */
export async function findRecords(store: AuditStore, filter: StoreFilter, first: number, after: string | null | undefined): Promise<AuditPageRecord> {
  checkPage(first, after);
  const page = await store.query(filter, { first, ...(after ? { after } : {}) }).catch(asUserError);
  return { records: page.records, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}

/**
 * The chain's head: the newest record (one statement, newest first, one row). Sequences run
 * 1, 2, … without gaps in an intact chain, so the count is the newest sequence; whether the
 * chain IS intact is the full walk of `npm run audit:verify`.
 */
export async function chainHead(store: AuditStore): Promise<ChainStatusRecord> {
  const page = await store.query({}, { first: 1, order: 'desc' });
  const last = page.records[0];
  return last
    ? { recordCount: last.sequence, lastSequence: last.sequence, lastHash: last.hash, lastRecordedAt: last.recordedAt }
    : { recordCount: 0, lastSequence: null, lastHash: null, lastRecordedAt: null };
}

export class ReportTooLargeError extends GraphQLError {
  constructor(limit: number) {
    super(`the period holds more than ${limit} audit records: make the report with npm run audit:report -- --from … --to …, or ask for a shorter period`, {
      extensions: { code: 'BAD_USER_INPUT', limit },
    });
  }
}

/** Every record of a period, oldest first, a page (one statement) of MAX_PAGE_SIZE at a time. */
export async function recordsInPeriod(store: AuditStore, period: Period, limit = Number.POSITIVE_INFINITY): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.query({ from: period.from, to: period.to }, { first: MAX_PAGE_SIZE, ...(after ? { after } : {}) });
    records.push(...page.records);
    if (records.length > limit) throw new ReportTooLargeError(limit);
    if (!page.hasNextPage || page.endCursor === null) return records;
    after = page.endCursor;
  }
}

/** `from`/`to` as the graph and the CLI take them → the period, or a clear input error. */
export function periodOf(calendar: AuditCalendar, from: string, to: string): Period {
  try {
    return resolvePeriod(calendar, from, to);
  } catch (error) {
    if (error instanceof PeriodError) throw badUserInput(error.message);
    throw error;
  }
}

/** The anomaly report over a period (lib/audit/anomalies.ts), with the records its findings name. */
export async function anomalyReport(store: AuditStore, calendar: AuditCalendar, period: Period, limit = MAX_REPORT_RECORDS): Promise<AnomalyReportRecord> {
  const records = await recordsInPeriod(store, period, limit);
  const report = buildAnomalyReport(records, calendar, period);
  const bySequence = new Map<number, AuditRecord>();
  for (const record of records) bySequence.set(record.sequence, record);
  return {
    ...report,
    findings: report.findings.map((finding) => {
      const own = new Map<number, AuditRecord>();
      for (const sequence of finding.recordSequences) own.set(sequence, bySequence.get(sequence)!);
      return { ...finding, recordsBySequence: own };
    }),
  };
}
