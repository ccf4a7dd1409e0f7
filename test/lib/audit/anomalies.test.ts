import { randomBytes } from 'node:crypto';
import { PersonReferenceSeal } from '../../../lib/audit/person-references';
import {
  ANOMALY_KINDS,
  buildAnomalyReport,
  compactSequences,
  reportCsv,
  reportMarkdown,
  resolvePeriod,
  type AnomalyFinding,
} from '../../../lib/audit/anomalies';
import { AuditCalendarError, compileAuditCalendar, loadAuditCalendar, formatWardInstant, localTime, offHoursReason } from '../../../lib/audit/calendar';
import { parse as parseYaml } from 'yaml';
import fs from 'node:fs';
import { DEFAULT_CALENDAR_FILE } from '../../../lib/audit/calendar';
import { asRecords, at, cleanTrail, entry, PERIOD, plantedTrail } from '../../support/generated-trail';

const calendar = loadAuditCalendar();
const period = resolvePeriod(calendar, PERIOD.from, PERIOD.to);

describe('the audit calendar (policy/audit-calendar.yaml)', () => {
  test('business hours 08:30–17:15 on the ward clock: start inclusive, end exclusive', () => {
    expect(offHoursReason(calendar, at('2026-11-09', '08:29', 59))).toBe('before 08:30');
    expect(offHoursReason(calendar, at('2026-11-09', '08:30'))).toBeNull();
    expect(offHoursReason(calendar, at('2026-11-09', '17:14', 59))).toBeNull();
    expect(offHoursReason(calendar, at('2026-11-09', '17:15'))).toBe('after 17:15');
    // Stored in UTC, read on the ward's clock: 13:30Z is 22:30 JST.
    expect(offHoursReason(calendar, '2026-11-05T13:30:00Z')).toBe('after 17:15');
    expect(offHoursReason(calendar, '2026-11-05T01:00:00.000Z')).toBeNull();
    expect(localTime(calendar, '2026-11-06T15:30:00Z')).toMatchObject({ date: '2026-11-07', weekday: 6 });
  });

  test('weekends and the holidays of 2026 and 2027 (振替休日 and 国民の休日 included) are not working days', () => {
    expect(offHoursReason(calendar, at('2026-11-07', '10:00'))).toBe('Sat');
    expect(offHoursReason(calendar, at('2026-11-08', '10:00'))).toBe('Sun');
    expect(offHoursReason(calendar, at('2026-11-03', '10:00'))).toBe('文化の日');
    expect(offHoursReason(calendar, at('2026-05-06', '10:00'))).toBe('振替休日');
    expect(offHoursReason(calendar, at('2026-09-22', '10:00'))).toBe('国民の休日');
    expect(offHoursReason(calendar, at('2027-03-22', '10:00'))).toBe('振替休日');
    expect(offHoursReason(calendar, at('2026-12-29', '10:00'))).toBe('年末年始休庁日');
    expect(offHoursReason(calendar, at('2026-11-04', '10:00'))).toBeNull();
    // Every listed 国民の祝日 falls where the law puts it: none is listed on a Sunday without its 振替休日.
    const holidays = [...calendar.holidays.entries()];
    expect(holidays.filter(([, name]) => !name.includes('年末年始')).length).toBe(18 + 17);
    for (const [date] of holidays) {
      if (new Date(`${date}T00:00:00Z`).getUTCDay() !== 0 || calendar.holidays.get(date)?.includes('年末年始')) continue;
      const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      expect([date, calendar.holidays.has(next)]).toEqual([date, true]);
    }
    expect([...calendar.coveredYears].sort()).toEqual([2026, 2027]);
  });

  test('a calendar that does not validate is refused with every problem named', () => {
    const document = parseYaml(fs.readFileSync(DEFAULT_CALENDAR_FILE, 'utf8')) as Record<string, any>;
    const broken = {
      ...document,
      approvedBy: document.author,
      businessHours: { start: '8:30', end: '17:15' },
      weekendDays: ['Sat', 'Sunday'],
      holidays: [...document.holidays, { date: '2027-02-29', name: 'x' }],
      thresholds: { ...document.thresholds, bulkPersonsPerHour: 0, perMinute: 3 },
      extra: true,
    };
    let error: unknown;
    try {
      compileAuditCalendar(broken);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AuditCalendarError);
    expect((error as AuditCalendarError).problems).toEqual([
      'unknown key "extra"',
      '"approvedBy" must be a second officer, not the author',
      '"businessHours.start" must be HH:MM',
      '"weekendDays": "Sunday" is not one of Sun, Mon, Tue, Wed, Thu, Fri, Sat',
      'holidays[45]: "2027-02-29" is not a calendar date',
      'thresholds: unknown key "perMinute"',
      'thresholds.bulkPersonsPerHour must be a positive number',
    ]);
  });

  test('a period: dates are whole days on the ward clock (to inclusive), instants are taken as given', () => {
    expect(resolvePeriod(calendar, '2026-11-02', '2026-11-15')).toEqual({ from: '2026-11-02T00:00:00+09:00', to: '2026-11-16T00:00:00+09:00' });
    expect(resolvePeriod(calendar, '2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual({ from: '2026-11-02T00:00:00Z', to: '2026-11-03T00:00:00Z' });
    expect(() => resolvePeriod(calendar, '2026-11-15', '2026-11-02')).toThrow(/to must not be before from/);
    expect(() => resolvePeriod(calendar, 'yesterday', '2026-11-02')).toThrow(/from must be a date/);
  });
});

describe('the anomaly report over a generated trail', () => {
  test('a clean fortnight gives nothing', () => {
    const records = asRecords(cleanTrail());
    const report = buildAnomalyReport(records, calendar, period);
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.recordCount).toBe(records.length);
    // Rule events and bad tokens are counted but not analysed.
    expect(report.analysedCount).toBe(records.filter((r) => r.kind === 'OPERATION' && r.subject !== null).length);
    expect(report.analysedCount).toBeGreaterThan(1000);
    expect(reportMarkdown(report, calendar)).toContain('No findings.');
    expect(reportCsv(report).split('\r\n')).toEqual([expect.stringMatching(/^\ufeffkind,kindJa,subject,department,window,/), '']);
  });

  const { entries, planted } = plantedTrail();
  const records = asRecords(entries);
  const report = buildAnomalyReport(records, calendar, period);

  test('every planted pattern is found, each with exactly its records', () => {
    for (const pattern of planted) {
      const found = report.findings.filter((f) => f.kind === pattern.kind && f.subject === pattern.subject && f.window === pattern.window);
      expect({ pattern: `${pattern.kind} ${pattern.subject} ${pattern.window}`, found: found.length }).toEqual({ pattern: `${pattern.kind} ${pattern.subject} ${pattern.window}`, found: 1 });
      expect(found[0].recordSequences).toEqual(pattern.indexes.map((index) => index + 1));
    }
  });

  test('and nothing else: the near misses (08:30 sharp, 60 persons in an hour, 4 denials) are not findings', () => {
    const key = (f: { kind: string; subject: string; window: string }) => `${f.kind} ${f.subject} ${f.window}`;
    expect(report.findings.map(key).sort()).toEqual(planted.map(key).sort());
    expect(report.findings.map((f) => f.kind)).toEqual([...report.findings.map((f) => f.kind)].sort((a, b) => ANOMALY_KINDS.indexOf(a) - ANOMALY_KINDS.indexOf(b)));
  });

  const only = (kind: string, subject: string): AnomalyFinding => report.findings.find((f) => f.kind === kind && f.subject === subject)!;

  test('each finding says what it measured against what', () => {
    const night = only('OFF_HOURS', 'dev:planted-registry-division-1');
    expect(night).toMatchObject({ department: 'registry-division', count: 3, windowStart: '2026-11-05T00:00:00+09:00', windowEnd: '2026-11-06T00:00:00+09:00', personCount: 3 });
    expect(night.description).toBe('3 operation(s) outside business hours on 2026-11-05 (after 17:15), 22:30–23:05');
    expect(only('OFF_HOURS', 'dev:planted-mynumber-division-1').description).toContain('(文化の日)');
    expect(only('OFF_HOURS', 'dev:planted-taxation-division-1').description).toContain('(Sat)');
    expect(only('OFF_HOURS', 'dev:planted-registry-division-2').description).toContain('(before 08:30), at 08:29');

    const busy = only('HIGH_FREQUENCY', 'dev:planted-taxation-division-2');
    // Both limits exceeded: the threshold reported is the lower one (the department's here).
    expect(busy.count).toBe(400);
    expect(busy.threshold).toBe(Math.min(300, busy.departmentMedian! * 5));
    expect(busy.description).toMatch(/^400 operations on 2026-11-10: above the daily threshold of 300; more than 5× the median of taxation-division/);
    const outlier = only('HIGH_FREQUENCY', 'dev:planted-mynumber-division-2');
    expect(outlier.count).toBe(290);
    expect(outlier.departmentMedian).toBeLessThanOrEqual(50);
    expect(outlier.threshold).toBe(outlier.departmentMedian! * 5);
    expect(outlier.description).not.toContain('daily threshold');
    expect(outlier.description).toContain('more than 5× the median of mynumber-division that day');

    const bulk = only('BULK_ACCESS', 'dev:planted-registry-division-3');
    expect(bulk).toMatchObject({ count: 150, personCount: 150, threshold: 100, windowStart: '2026-11-11T14:00:00+09:00', windowEnd: '2026-11-11T15:00:00+09:00' });

    const denials = only('REPEATED_DENIALS', 'dev:planted-taxation-division-3');
    expect(denials).toMatchObject({ count: 6, threshold: 5 });
    expect(denials.description).toBe('6 refused operations on 2026-11-06 (3 DENIED, 2 PARTIAL, 1 REFUSED); policies refused: individual_number');
  });

  test('records outside the period are left out; a year the calendar does not cover is a warning', () => {
    const outside = asRecords([entry({ subject: 'dev:x', department: 'registry-division', occurredAt: at('2026-11-01', '23:00'), personIds: ['0010000017'] })]);
    expect(buildAnomalyReport(outside, calendar, period)).toMatchObject({ recordCount: 0, findings: [] });
    const later = buildAnomalyReport([], calendar, resolvePeriod(calendar, '2027-12-01', '2028-01-31'));
    expect(later.warnings).toEqual([expect.stringContaining('lists no holidays for 2028')]);
  });

  test('Markdown and CSV for the system manager carry every finding and its records', () => {
    const markdown = reportMarkdown(report, calendar);
    expect(markdown).toContain(`- 検知 / Findings: ${report.findings.length} (OFF_HOURS 4, HIGH_FREQUENCY 2, BULK_ACCESS 1, REPEATED_DENIALS 1, PROTECTED_PERSON_READ 0, BULK_WITHOUT_APPROVAL 0)`);
    // The planted trail has no 支援措置 refusal and no bulk-output refusal: those sections are tested below.
    for (const kind of ANOMALY_KINDS.filter((k) => k !== 'PROTECTED_PERSON_READ' && k !== 'BULK_WITHOUT_APPROVAL')) expect(markdown).toContain(`— ${kind} (`);
    const bulk = only('BULK_ACCESS', 'dev:planted-registry-division-3');
    expect(markdown).toContain(compactSequences(bulk.recordSequences));
    const lines = reportCsv(report).split('\r\n');
    expect(lines).toHaveLength(report.findings.length + 2);
    const bulkLine = lines.find((line) => line.startsWith('BULK_ACCESS,'))!;
    expect(bulkLine).toContain(bulk.recordSequences.join(' '));
    // No 宛名番号 in the report files: findings name records, not persons.
    expect(markdown).not.toMatch(/001\d{7}/);
    expect(lines.join('\n')).not.toMatch(/001\d{7}/);
  });

  test('Japanese first for its readers, English beside it; record times (stored UTC) shown in JST with +09:00', () => {
    const markdown = reportMarkdown(report, calendar);
    expect(markdown).toMatch(/^# 監査証跡 異常検知レポート \/ Audit trail anomaly report\n/);
    expect(markdown).toContain('- 対象期間 / Period: 2026-11-02 00:00:00 JST (+09:00) 〜 2026-11-16 00:00:00 JST (+09:00)（終了時刻を含まない / to exclusive）');
    expect(markdown).toContain('## 業務時間外のアクセス / Access outside business hours — OFF_HOURS (4)');
    expect(markdown).toContain('| 利用者 / user | 所属 / department |');
    // Every instant the report shows is on the ward's clock; none is left in UTC.
    expect(markdown).not.toMatch(/\d{2}:\d{2}(:\d{2})?(\.\d+)?Z/);
    const night = only('OFF_HOURS', 'dev:planted-registry-division-1');
    expect(night.descriptionJa).toBe('2026-11-05 に業務時間外の操作 3 件（17:15 以降）、22:30〜23:05');
    expect(markdown).toContain(`${night.descriptionJa}<br>${night.description}`);
    expect(only('OFF_HOURS', 'dev:planted-taxation-division-1').descriptionJa).toContain('（土曜日）');
    expect(only('OFF_HOURS', 'dev:planted-mynumber-division-1').descriptionJa).toContain('（文化の日）');
    for (const finding of report.findings) expect(finding.descriptionJa).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    // The records are stored in UTC; the display converts (2026-11-05T13:30:00Z is 22:30 in Japan).
    expect(formatWardInstant(calendar, '2026-11-05T13:30:00.000Z')).toBe('2026-11-05 22:30:00 JST (+09:00)');
    expect(formatWardInstant(calendar, '2026-12-31T15:00:00Z')).toBe('2027-01-01 00:00:00 JST (+09:00)');
    const csv = reportCsv(report);
    expect(csv.startsWith('\ufeff')).toBe(true);
    expect(csv).toContain(',業務時間外のアクセス,');
  });

  test('BULK_WITHOUT_APPROVAL: every BULK_APPROVAL_REQUIRED refusal, per user and day, whatever the count', () => {
    const refused = (subject: string, time: string, date = '2026-11-05') => ({
      ...entry({ subject, department: 'taxation-division', occurredAt: at(date, time), decision: 'FAILED' }),
      errorCodes: ['BULK_APPROVAL_REQUIRED'],
    });
    const records = asRecords([
      refused('dev:a', '10:00'),
      refused('dev:a', '10:05'),
      refused('dev:a', '10:00', '2026-11-06'),
      refused('dev:b', '11:00'),
      entry({ subject: 'dev:c', department: 'taxation-division', occurredAt: at('2026-11-05', '10:00'), personIds: ['0010000017'] }),
    ]);
    const findings = buildAnomalyReport(records, calendar, period).findings.filter((finding) => finding.kind === 'BULK_WITHOUT_APPROVAL');
    expect(findings.map((finding) => [finding.subject, finding.window, finding.count, finding.recordSequences])).toEqual([
      ['dev:a', '2026-11-05', 2, [1, 2]],
      ['dev:b', '2026-11-05', 1, [4]],
      ['dev:a', '2026-11-06', 1, [3]],
    ]);
    expect(findings[0].description).toMatch(/without the terminal manager's prior approval \(purpose local-tax/);
    expect(reportMarkdown(buildAnomalyReport(records, calendar, period), calendar)).toContain('— BULK_WITHOUT_APPROVAL (3)');
  });

  test('compactSequences writes runs as ranges', () => {
    expect(compactSequences([1, 2, 3, 7, 9, 10])).toBe('1–3, 7, 9–10');
    expect(compactSequences([])).toBe('');
  });
});

describe('PROTECTED_PERSON_READ (issue 10: a read of a person under 支援措置 refused by the row rule)', () => {
  test('flagged per user and day from the first refusal, with exactly its records; other codes are not', () => {
    const base = cleanTrail();
    const refused = (time: string, subject: string, errorCodes: string[]) => ({
      ...entry({ subject, department: 'taxation-division', occurredAt: at('2026-11-04', time), decision: 'PARTIAL' }),
      errorCodes,
    });
    const entries = [
      ...base,
      refused('10:00', 'tax-clerk-01', ['SUPPORT_MEASURE_RESTRICTED']),
      refused('10:05', 'tax-clerk-01', ['SUPPORT_MEASURE_RESTRICTED', 'UNAUTHORIZED_FIELD_OR_TYPE']),
      refused('11:00', 'tax-clerk-02', ['UNAUTHORIZED_FIELD_OR_TYPE']),
    ];
    const records = asRecords(entries);
    const full = buildAnomalyReport(records, calendar, period);
    const findings = full.findings.filter((finding) => finding.kind === 'PROTECTED_PERSON_READ');
    expect(reportMarkdown(full, calendar)).toContain('## 支援措置対象者の照会 / Reads of persons under a support measure — PROTECTED_PERSON_READ (1)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ subject: 'tax-clerk-01', department: 'taxation-division', window: '2026-11-04', count: 2, threshold: 1 });
    expect(findings[0].recordSequences).toEqual([base.length + 1, base.length + 2]);
    expect(findings[0].description).toContain('SUPPORT_MEASURE_RESTRICTED');
  });
});

describe('persons named by 住民票コード and attributed afterwards (PERSONS_ATTRIBUTED)', () => {
  const subject = 'dev:attributed-clerk';
  const department = 'registry-division';
  const addressNumbers = Array.from({ length: 60 }, (_, index) => `00200${String(index).padStart(5, '0')}`);
  const seal = new PersonReferenceSeal(randomBytes(32));
  const references = addressNumbers.map((_, index) => seal.seal('residentCode', `3100000${String(index).padStart(4, '0')}`));

  function trail(linked: boolean) {
    const direct = entry({ subject, department, occurredAt: at('2026-11-09', '10:00'), personIds: addressNumbers });
    const byReference = entry({ subject, department, occurredAt: at('2026-11-09', '10:20'), personIds: references });
    // One link per 住民票コード: the reference and the 宛名番号 it names.
    const links = references.map((reference, index) => ({
      ...entry({ subject, department, occurredAt: at('2026-11-09', '10:20', 1), personIds: [reference, addressNumbers[index]], kind: 'PERSONS_ATTRIBUTED' }),
      requestId: byReference.requestId,
    }));
    return asRecords(linked ? [direct, byReference, ...links] : [direct, byReference]);
  }

  test('the same 60 persons read by 宛名番号 and by 住民票コード within an hour are 60 persons, not 120 (threshold 100)', () => {
    const report = buildAnomalyReport(trail(true), calendar, period);
    expect(report.findings.filter((finding) => finding.kind === 'BULK_ACCESS' && finding.subject === subject)).toEqual([]);
    // The link is no operation of its own: the two operations are analysed.
    expect(report.analysedCount).toBe(2);
  });

  test('before the link is written, each reference still counts as a person (over-report, never under-report)', () => {
    const report = buildAnomalyReport(trail(false), calendar, period);
    const bulk = report.findings.filter((finding) => finding.kind === 'BULK_ACCESS' && finding.subject === subject);
    expect(bulk.map((finding) => [finding.count, finding.personCount])).toEqual([[120, 120]]);
  });
});
