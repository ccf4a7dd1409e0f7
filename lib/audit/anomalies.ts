/**
 * The anomaly report over a period of the audit trail (promise 5: "analysed at least yearly for
 * off-hours access and unusual frequency"; promise 7: bulk output; promise 6: denials). Pure
 * functions over records and a calendar (calendar.ts, policy/audit-calendar.yaml): the same
 * records and calendar give the same report, whoever asks — the graph (`auditAnomalyReport`) or
 * the system manager's files (`npm run audit:report`, scripts/audit-report.ts).
 *
 * Four kinds of finding, each naming the user, the department, the window and every record
 * behind it (by sequence):
 *   OFF_HOURS         operations outside business hours, weekends and holidays (per user per day)
 *   HIGH_FREQUENCY    more operations on one day than the threshold, or than a factor times the
 *                     median of the user's department that day
 *   BULK_ACCESS       more distinct persons (宛名番号) returned within one clock hour than the threshold
 *   REPEATED_DENIALS  refused operations (DENIED, PARTIAL, REFUSED) on one day at or above the threshold
 *   PROTECTED_PERSON_READ  reads of a person under 支援措置 refused by the row rule
 *                     (SUPPORT_MEASURE_RESTRICTED in the record's errorCodes), per user and day,
 *                     from the first one: a clerk without the right asked for a protected person
 *   BULK_WITHOUT_APPROVAL  bulk output attempted without an approval: every request refused with
 *                     BULK_APPROVAL_REQUIRED (policy/bulk-output.yaml), per user and day, from the first
 * Only OPERATION records with a known user are analysed (rule events and requests whose token was
 * not valid have no user to attribute); the report counts the others.
 */
import type { AuditDecision, AuditRecord } from './types';
import { SUPPORT_MEASURE_RESTRICTED_CODE } from '../authorization/types';
import { formatMinutes, formatWardInstant, isCalendarDate, localTime, nextDate, offHoursReason, startOfLocalDay, type AuditCalendar } from './calendar';
import { isPersonReference } from './person-references';

export const ANOMALY_KINDS = ['OFF_HOURS', 'HIGH_FREQUENCY', 'BULK_ACCESS', 'REPEATED_DENIALS', 'PROTECTED_PERSON_READ', 'BULK_WITHOUT_APPROVAL'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** What each kind is called in the report: Japanese for the ward's staff who read it, English beside it. */
export const ANOMALY_KIND_LABELS: Readonly<Record<AnomalyKind, { readonly ja: string; readonly en: string }>> = {
  OFF_HOURS: { ja: '業務時間外のアクセス', en: 'Access outside business hours' },
  HIGH_FREQUENCY: { ja: '異常な頻度のアクセス', en: 'Unusual frequency' },
  BULK_ACCESS: { ja: '大量アクセス', en: 'Bulk access' },
  REPEATED_DENIALS: { ja: '拒否の繰り返し', en: 'Repeated denials' },
  PROTECTED_PERSON_READ: { ja: '支援措置対象者の照会', en: 'Reads of persons under a support measure' },
  BULK_WITHOUT_APPROVAL: { ja: '事前承認のない大量出力', en: 'Bulk output without prior approval' },
};

const WEEKDAYS_JA: Readonly<Record<string, string>> = { Sun: '日曜日', Mon: '月曜日', Tue: '火曜日', Wed: '水曜日', Thu: '木曜日', Fri: '金曜日', Sat: '土曜日' };

/** An off-hours reason in Japanese: `before 08:30` → `08:30 より前`, `Sat` → `土曜日`; a holiday's name is Japanese already. */
function offHoursReasonJa(reason: string): string {
  const match = /^(before|after) (\d{2}:\d{2})$/.exec(reason);
  if (match) return match[1] === 'before' ? `${match[2]} より前` : `${match[2]} 以降`;
  return WEEKDAYS_JA[reason] ?? reason;
}

/** Decisions that count as a denial for REPEATED_DENIALS. */
export const DENIAL_DECISIONS: ReadonlySet<AuditDecision> = new Set<AuditDecision>(['DENIED', 'PARTIAL', 'REFUSED']);

export interface AnomalyFinding {
  kind: AnomalyKind;
  subject: string;
  /** The user's department as recorded (the latest in the window). */
  department: string | null;
  /** The window on the ward's clock: a day (YYYY-MM-DD) or a clock hour (YYYY-MM-DDTHH). */
  window: string;
  /** The window as instants (start inclusive, end exclusive), with the ward's offset. */
  windowStart: string;
  windowEnd: string;
  /** What was measured: operations, distinct persons or denials. */
  count: number;
  /** The limit it was measured against (for HIGH_FREQUENCY the lower of the two that were exceeded). */
  threshold: number | null;
  /** For HIGH_FREQUENCY: the median of the department's users that day (null when not compared). */
  departmentMedian: number | null;
  /** Distinct persons (宛名番号) in the records behind the finding. */
  personCount: number;
  /** What was found, in English (the graph's `description`). */
  description: string;
  /** The same in Japanese, for the report's readers (the ward's staff). */
  descriptionJa: string;
  /** The records behind the finding, in sequence order. */
  recordSequences: number[];
}

export interface AnomalyReport {
  /** The period analysed, as instants: from inclusive, to exclusive. */
  from: string;
  to: string;
  calendarVersion: string;
  /** Records in the period (all kinds). */
  recordCount: number;
  /** OPERATION records with a known user: what the findings are drawn from. */
  analysedCount: number;
  findings: AnomalyFinding[];
  /** Problems with the report itself (a year the calendar does not cover). */
  warnings: string[];
}

export interface Period {
  /** Instant, inclusive. */
  from: string;
  /** Instant, exclusive. */
  to: string;
}

export class PeriodError extends Error {
  readonly code = 'BAD_USER_INPUT';
}

/**
 * `--from 2026-04-01 --to 2027-03-31` (dates on the ward's clock, both inclusive) or ISO instants
 * with an offset (from inclusive, to exclusive) → the period as instants.
 */
export function resolvePeriod(calendar: AuditCalendar, from: string, to: string): Period {
  const instant = (value: string, name: string, end: boolean): string => {
    if (isCalendarDate(value)) return startOfLocalDay(calendar, end ? nextDate(value) : value);
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
    throw new PeriodError(`${name} must be a date (YYYY-MM-DD) or an ISO 8601 instant with an offset`);
  };
  const period = { from: instant(from, 'from', false), to: instant(to, 'to', true) };
  if (Date.parse(period.to) <= Date.parse(period.from)) throw new PeriodError('to must not be before from');
  return period;
}

export function inPeriod(period: Period, instant: string): boolean {
  const ms = Date.parse(instant);
  return ms >= Date.parse(period.from) && ms < Date.parse(period.to);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Group {
  subject: string;
  department: string | null;
  window: string;
  records: AuditRecord[];
}

function groupBy(records: readonly AuditRecord[], keyOf: (record: AuditRecord) => string | null): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const record of records) {
    const window = keyOf(record);
    if (window === null) continue;
    const key = `${record.subject}\u0000${window}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { subject: record.subject!, department: record.department, window, records: [] }));
    group.records.push(record);
    if (record.department !== null) group.department = record.department;
  }
  return groups;
}

function distinctPersons(records: readonly AuditRecord[]): number {
  const persons = new Set<string>();
  for (const record of records) for (const id of record.personIds) persons.add(id);
  return persons.size;
}

function dayWindow(calendar: AuditCalendar, date: string): { windowStart: string; windowEnd: string } {
  return { windowStart: startOfLocalDay(calendar, date), windowEnd: startOfLocalDay(calendar, nextDate(date)) };
}

function hourWindow(calendar: AuditCalendar, hour: string): { windowStart: string; windowEnd: string } {
  const date = hour.slice(0, 10);
  const h = Number(hour.slice(11, 13));
  const start = startOfLocalDay(calendar, date).replace('T00:', `T${String(h).padStart(2, '0')}:`);
  const end = h === 23 ? startOfLocalDay(calendar, nextDate(date)) : startOfLocalDay(calendar, date).replace('T00:', `T${String(h + 1).padStart(2, '0')}:`);
  return { windowStart: start, windowEnd: end };
}

function finding(group: Group, kind: AnomalyKind, fields: Omit<AnomalyFinding, 'kind' | 'subject' | 'department' | 'window' | 'recordSequences' | 'personCount'>): AnomalyFinding {
  return {
    kind,
    subject: group.subject,
    department: group.department,
    window: group.window,
    ...fields,
    personCount: distinctPersons(group.records),
    recordSequences: group.records.map((record) => record.sequence).sort((a, b) => a - b),
  };
}

const clock = (calendar: AuditCalendar, instant: string): string => formatMinutes(localTime(calendar, instant)?.minutes ?? 0);

/** OFF_HOURS: one finding per user and day with any operation outside business hours. */
export function findOffHours(records: readonly AuditRecord[], calendar: AuditCalendar): AnomalyFinding[] {
  const reasons = new Map<number, string>();
  const groups = groupBy(records, (record) => {
    const reason = offHoursReason(calendar, record.occurredAt);
    if (reason === null) return null;
    reasons.set(record.sequence, reason);
    return localTime(calendar, record.occurredAt)!.date;
  });
  return [...groups.values()].map((group) => {
    const whyList = [...new Set(group.records.map((record) => reasons.get(record.sequence)!))];
    const why = whyList.join(', ');
    const times = group.records.map((record) => record.occurredAt).sort((a, b) => Date.parse(a) - Date.parse(b));
    const span = times.length === 1 ? `at ${clock(calendar, times[0])}` : `${clock(calendar, times[0])}–${clock(calendar, times[times.length - 1])}`;
    const spanJa = times.length === 1 ? `${clock(calendar, times[0])}` : `${clock(calendar, times[0])}〜${clock(calendar, times[times.length - 1])}`;
    return finding(group, 'OFF_HOURS', {
      ...dayWindow(calendar, group.window),
      count: group.records.length,
      threshold: null,
      departmentMedian: null,
      description: `${group.records.length} operation(s) outside business hours on ${group.window} (${why}), ${span}`,
      descriptionJa: `${group.window} に業務時間外の操作 ${group.records.length} 件（${whyList.map(offHoursReasonJa).join('、')}）、${spanJa}`,
    });
  });
}

/** HIGH_FREQUENCY: per user and day, against the threshold and against the department's median. */
export function findHighFrequency(records: readonly AuditRecord[], calendar: AuditCalendar): AnomalyFinding[] {
  const { dailyOperationsPerUser, departmentMedianFactor, departmentMinimumUsers, departmentMinimumOperations } = calendar.thresholds;
  const groups = groupBy(records, (record) => localTime(calendar, record.occurredAt)?.date ?? null);
  const byDepartmentDay = new Map<string, number[]>();
  for (const group of groups.values()) {
    const key = `${group.department ?? ''}\u0000${group.window}`;
    const counts = byDepartmentDay.get(key) ?? [];
    counts.push(group.records.length);
    byDepartmentDay.set(key, counts);
  }
  const findings: AnomalyFinding[] = [];
  for (const group of groups.values()) {
    const count = group.records.length;
    const counts = byDepartmentDay.get(`${group.department ?? ''}\u0000${group.window}`)!;
    const comparable = group.department !== null && counts.length >= departmentMinimumUsers;
    const departmentMedian = comparable ? median(counts) : null;
    const overThreshold = count > dailyOperationsPerUser;
    const departmentLimit = departmentMedian === null ? null : departmentMedian * departmentMedianFactor;
    const overDepartment = departmentLimit !== null && count >= departmentMinimumOperations && count > departmentLimit;
    if (!overThreshold && !overDepartment) continue;
    const reasons: string[] = [];
    const reasonsJa: string[] = [];
    if (overThreshold) reasons.push(`above the daily threshold of ${dailyOperationsPerUser}`);
    if (overThreshold) reasonsJa.push(`1 日の閾値 ${dailyOperationsPerUser} 件を超過`);
    if (overDepartment) reasons.push(`more than ${departmentMedianFactor}× the median of ${group.department} that day (${departmentMedian} over ${counts.length} users)`);
    if (overDepartment) reasonsJa.push(`同日の ${group.department} の中央値の ${departmentMedianFactor} 倍を超過（中央値 ${departmentMedian}、${counts.length} 人）`);
    const limits = [overThreshold ? dailyOperationsPerUser : null, overDepartment ? departmentLimit : null].filter((v): v is number => v !== null);
    findings.push(
      finding(group, 'HIGH_FREQUENCY', {
        ...dayWindow(calendar, group.window),
        count,
        threshold: Math.min(...limits),
        departmentMedian,
        description: `${count} operations on ${group.window}: ${reasons.join('; ')}`,
        descriptionJa: `${group.window} に ${count} 件の操作: ${reasonsJa.join('、')}`,
      }),
    );
  }
  return findings;
}

/** BULK_ACCESS: per user and clock hour, distinct persons returned above the threshold. */
export function findBulkAccess(records: readonly AuditRecord[], calendar: AuditCalendar): AnomalyFinding[] {
  const limit = calendar.thresholds.bulkPersonsPerHour;
  const groups = groupBy(records, (record) => (record.personIds.length > 0 ? (localTime(calendar, record.occurredAt)?.hour ?? null) : null));
  const findings: AnomalyFinding[] = [];
  for (const group of groups.values()) {
    const persons = distinctPersons(group.records);
    if (persons <= limit) continue;
    const { windowStart, windowEnd } = hourWindow(calendar, group.window);
    findings.push(
      finding(group, 'BULK_ACCESS', {
        windowStart,
        windowEnd,
        count: persons,
        threshold: limit,
        departmentMedian: null,
        description: `${persons} distinct persons in ${group.records.length} operation(s) between ${group.window.slice(11)}:00 and ${windowEnd.slice(11, 16)} on ${group.window.slice(0, 10)} (threshold ${limit} per hour; bulk output needs prior approval)`,
        descriptionJa: `${group.window.slice(0, 10)} ${group.window.slice(11)}:00〜${windowEnd.slice(11, 16)} に ${group.records.length} 件の操作で ${persons} 人分を取得（閾値 1 時間 ${limit} 人。大量出力には事前承認が必要）`,
      }),
    );
  }
  return findings;
}

/** REPEATED_DENIALS: per user and day, refused operations at or above the threshold. */
export function findRepeatedDenials(records: readonly AuditRecord[], calendar: AuditCalendar): AnomalyFinding[] {
  const limit = calendar.thresholds.repeatedDenialsPerDay;
  const groups = groupBy(records, (record) => (DENIAL_DECISIONS.has(record.decision) ? (localTime(calendar, record.occurredAt)?.date ?? null) : null));
  const findings: AnomalyFinding[] = [];
  for (const group of groups.values()) {
    if (group.records.length < limit) continue;
    const policies = new Set<string>();
    for (const record of group.records) for (const denied of record.deniedFields) policies.add(denied.policy);
    const decisions = ANOMALY_DECISION_ORDER.map((d) => [d, group.records.filter((r) => r.decision === d).length] as const).filter(([, n]) => n > 0);
    findings.push(
      finding(group, 'REPEATED_DENIALS', {
        ...dayWindow(calendar, group.window),
        count: group.records.length,
        threshold: limit,
        departmentMedian: null,
        description:
          `${group.records.length} refused operations on ${group.window} (${decisions.map(([d, n]) => `${n} ${d}`).join(', ')})` +
          (policies.size > 0 ? `; policies refused: ${[...policies].sort().join(', ')}` : ''),
        descriptionJa:
          `${group.window} に拒否された操作 ${group.records.length} 件（${decisions.map(([d, n]) => `${d} ${n} 件`).join('、')}）` +
          (policies.size > 0 ? `。拒否されたポリシー: ${[...policies].sort().join(', ')}` : ''),
      }),
    );
  }
  return findings;
}

const ANOMALY_DECISION_ORDER: readonly AuditDecision[] = ['DENIED', 'PARTIAL', 'REFUSED'];

/**
 * PROTECTED_PERSON_READ: per user and day, operations refused a person under 支援措置 (the row
 * rule's code in errorCodes). Flagged from the first: lists never show such persons to a caller
 * without the right, so asking for one by number is worth a look (issue 10).
 */
export function findProtectedPersonReads(records: readonly AuditRecord[], calendar: AuditCalendar): AnomalyFinding[] {
  const groups = groupBy(records, (record) => (record.errorCodes.includes(SUPPORT_MEASURE_RESTRICTED_CODE) ? (localTime(calendar, record.occurredAt)?.date ?? null) : null));
  return [...groups.values()].map((group) =>
    finding(group, 'PROTECTED_PERSON_READ', {
      ...dayWindow(calendar, group.window),
      count: group.records.length,
      threshold: 1,
      departmentMedian: null,
      description: `${group.records.length} operation(s) on ${group.window} refused a person under a support measure (支援措置, ${SUPPORT_MEASURE_RESTRICTED_CODE}): review why the person was asked for`,
      descriptionJa: `${group.window} に支援措置対象者の照会が拒否された操作 ${group.records.length} 件（${SUPPORT_MEASURE_RESTRICTED_CODE}）: 照会の理由を確認してください`,
    }),
  );
}

/** The refusal of a request that would pass the day's bulk-output budget without an approval (gateway/bulk/). */
export const BULK_APPROVAL_REQUIRED_CODE = 'BULK_APPROVAL_REQUIRED';

/** BULK_WITHOUT_APPROVAL: per user and day, every request refused with BULK_APPROVAL_REQUIRED (no threshold: one is a finding). */
export function findBulkWithoutApproval(records: readonly AuditRecord[], calendar: AuditCalendar): AnomalyFinding[] {
  const groups = groupBy(records, (record) => (record.errorCodes.includes(BULK_APPROVAL_REQUIRED_CODE) ? (localTime(calendar, record.occurredAt)?.date ?? null) : null));
  const findings: AnomalyFinding[] = [];
  for (const group of groups.values()) {
    const purposes = [...new Set(group.records.map((record) => record.purpose ?? '?'))].sort();
    findings.push(
      finding(group, 'BULK_WITHOUT_APPROVAL', {
        ...dayWindow(calendar, group.window),
        count: group.records.length,
        threshold: null,
        departmentMedian: null,
        description: `${group.records.length} request(s) on ${group.window} refused for passing the day's bulk-output budget without the terminal manager's prior approval (purpose ${purposes.join(', ')}; 大量出力の事前承認なし)`,
        descriptionJa: `${group.window} に端末機管理責任者の事前承認なく 1 日の大量出力の上限を超えようとして拒否された要求 ${group.records.length} 件（事務 ${purposes.join(', ')}）`,
      }),
    );
  }
  return findings;
}

/**
 * Operations with the persons they named by a sealed reference replaced by the 宛名番号
 * a PERSONS_ATTRIBUTED record among `records` links the reference to (lib/audit/person-references.ts),
 * so that one person read once by 住民票コード and once by 宛名番号 counts once. A reference
 * without its link among the records (not written yet, or outside them) still counts as one
 * person: over-report, never under-report.
 */
export function withAttributedPersons(operations: readonly AuditRecord[], records: readonly AuditRecord[]): AuditRecord[] {
  const links = new Map<string, string>();
  for (const record of records) {
    if (record.kind !== 'PERSONS_ATTRIBUTED') continue;
    const reference = record.personIds.find(isPersonReference);
    const addressNumber = record.personIds.find((id) => !isPersonReference(id));
    if (reference !== undefined && addressNumber !== undefined) links.set(reference, addressNumber);
  }
  if (links.size === 0) return [...operations];
  return operations.map((record) => (record.personIds.some((id) => links.has(id)) ? { ...record, personIds: [...new Set(record.personIds.map((id) => links.get(id) ?? id))] } : record));
}

/** The records the findings are drawn from: operations with a known user. */
export function analysable(record: AuditRecord): boolean {
  return record.kind === 'OPERATION' && record.subject !== null;
}

function compareFindings(a: AnomalyFinding, b: AnomalyFinding): number {
  return (
    ANOMALY_KINDS.indexOf(a.kind) - ANOMALY_KINDS.indexOf(b.kind) ||
    Date.parse(a.windowStart) - Date.parse(b.windowStart) ||
    (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0)
  );
}

/** Years of the period that the calendar lists no holidays for: off-hours findings there miss holidays. */
export function uncoveredYears(calendar: AuditCalendar, period: Period): number[] {
  const first = Number(localTime(calendar, period.from)!.date.slice(0, 4));
  const last = Number(localTime(calendar, new Date(Date.parse(period.to) - 1).toISOString())!.date.slice(0, 4));
  const years: number[] = [];
  for (let year = first; year <= last; year++) if (!calendar.coveredYears.has(year)) years.push(year);
  return years;
}

/**
 * The report over `records` (those outside the period are ignored): every finding of every kind,
 * ordered by kind, window and user.
 */
export function buildAnomalyReport(records: readonly AuditRecord[], calendar: AuditCalendar, period: Period): AnomalyReport {
  const inside = records.filter((record) => inPeriod(period, record.occurredAt));
  const analysed = withAttributedPersons(inside.filter(analysable), records);
  const findings = [
    ...findOffHours(analysed, calendar),
    ...findHighFrequency(analysed, calendar),
    ...findBulkAccess(analysed, calendar),
    ...findRepeatedDenials(analysed, calendar),
    ...findProtectedPersonReads(analysed, calendar),
    ...findBulkWithoutApproval(analysed, calendar),
  ].sort(compareFindings);
  const warnings = uncoveredYears(calendar, period).map(
    (year) => `policy/audit-calendar.yaml に ${year} 年の祝日がありません: ${year} 年の業務時間外は週末と時刻だけで判定しています / policy/audit-calendar.yaml lists no holidays for ${year}: off-hours findings in ${year} count weekends and hours only`,
  );
  return { from: period.from, to: period.to, calendarVersion: calendar.version, recordCount: inside.length, analysedCount: analysed.length, findings, warnings };
}

/**
 * The report as Markdown, for the system manager (scripts/audit-report.ts): Japanese first, English
 * beside it; every instant on the ward's clock with its offset (formatWardInstant: records are
 * stored in UTC, the display converts).
 */
export function reportMarkdown(report: AnomalyReport, calendar: AuditCalendar): string {
  const at = (instant: string) => formatWardInstant(calendar, instant);
  const lines: string[] = [];
  lines.push(`# 監査証跡 異常検知レポート / Audit trail anomaly report`, '');
  lines.push(`- 対象期間 / Period: ${at(report.from)} 〜 ${at(report.to)}（終了時刻を含まない / to exclusive）`);
  lines.push(
    `- 暦 / Calendar: policy/audit-calendar.yaml 版 / version ${report.calendarVersion}（${calendar.timeZoneName}、業務時間 / business hours ${formatMinutes(calendar.businessStart)}〜${formatMinutes(calendar.businessEnd)}）`,
  );
  lines.push(`- 期間内の記録 / Records in the period: ${report.recordCount}、分析した操作（利用者が判明） / operations analysed (with a known user): ${report.analysedCount}`);
  lines.push(`- 検知 / Findings: ${report.findings.length}` + (report.findings.length ? ` (${ANOMALY_KINDS.map((k) => `${k} ${report.findings.filter((f) => f.kind === k).length}`).join(', ')})` : ''));
  const t = calendar.thresholds;
  lines.push(
    `- 閾値 / Thresholds: 利用者 1 人 1 日 ${t.dailyOperationsPerUser} 操作 / operations per user per day; 所属の中央値の ${t.departmentMedianFactor} 倍 / ${t.departmentMedianFactor}× the department median (≥ ${t.departmentMinimumUsers} users, ≥ ${t.departmentMinimumOperations} operations); 1 時間 ${t.bulkPersonsPerHour} 人 / persons per user per hour; 1 日 ${t.repeatedDenialsPerDay} 回の拒否 / denials per user per day`,
  );
  for (const warning of report.warnings) lines.push(`- **警告 / Warning:** ${warning}`);
  lines.push('');
  if (report.findings.length === 0) {
    lines.push('検知なし。 / No findings.', '');
    return lines.join('\n');
  }
  const cell = (value: string) => value.replace(/\|/g, '\\|');
  for (const kind of ANOMALY_KINDS) {
    const ofKind = report.findings.filter((f) => f.kind === kind);
    if (ofKind.length === 0) continue;
    const label = ANOMALY_KIND_LABELS[kind];
    lines.push(`## ${label.ja} / ${label.en} — ${kind} (${ofKind.length})`, '');
    lines.push(
      '| 利用者 / user | 所属 / department | 期間 / window | 開始 / from | 終了 / to | 件数 / count | 閾値 / threshold | 対象者数 / persons | 内容 / description | 記録（連番） / records (sequence) |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const f of ofKind) {
      lines.push(
        `| ${cell(f.subject)} | ${cell(f.department ?? '')} | ${f.window} | ${at(f.windowStart)} | ${at(f.windowEnd)} | ${f.count} | ${f.threshold ?? ''} | ${f.personCount} | ${cell(f.descriptionJa)}<br>${cell(f.description)} | ${compactSequences(f.recordSequences)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** `1,2,3,7,9,10` → `1–3, 7, 9–10`. */
export function compactSequences(sequences: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < sequences.length) {
    let j = i;
    while (j + 1 < sequences.length && sequences[j + 1] === sequences[j] + 1) j++;
    parts.push(j === i ? String(sequences[i]) : `${sequences[i]}–${sequences[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

const CSV_COLUMNS = ['kind', 'kindJa', 'subject', 'department', 'window', 'windowStart', 'windowEnd', 'count', 'threshold', 'departmentMedian', 'personCount', 'descriptionJa', 'description', 'recordSequences'] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One line per finding; recordSequences space-separated in one cell (RFC 4180, CRLF), UTF-8 with a
 * byte-order mark so that Excel on the ward's terminals opens the Japanese text as such. Window
 * instants carry the ward's offset (+09:00).
 */
export function reportCsv(report: AnomalyReport): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const f of report.findings) {
    rows.push(CSV_COLUMNS.map((column) => csvCell(column === 'recordSequences' ? f.recordSequences.join(' ') : column === 'kindJa' ? ANOMALY_KIND_LABELS[f.kind].ja : f[column])).join(','));
  }
  return `\ufeff${rows.join('\r\n')}\r\n`;
}
