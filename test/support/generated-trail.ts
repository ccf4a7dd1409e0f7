import { SeededRandom } from '../../lib/random';
import { GENESIS_HASH, recordHash } from '../../lib/audit/chain';
import type { AuditDecision, AuditEntryInput, AuditRecord } from '../../lib/audit/types';

/**
 * A generated audit trail for the anomaly tests: a ward's ordinary fortnight (three departments of
 * four clerks, working days 2026-11-02 … 2026-11-13, 09:00–17:00 JST, 20–50 operations a day, one
 * to three persons each, an occasional partial refusal, rule reloads and bad tokens), to which
 * patterns are planted. Every entry planted is remembered by what it plants, so a test can check
 * that the report finds exactly those records.
 */

export const PERIOD = { from: '2026-11-02', to: '2026-11-15' };

const DEPARTMENTS = ['registry-division', 'taxation-division', 'mynumber-division'] as const;
const PURPOSE: Record<(typeof DEPARTMENTS)[number], string> = {
  'registry-division': 'resident-registry',
  'taxation-division': 'local-tax',
  'mynumber-division': 'mynumber-card',
};
/** Working days of the fortnight (11/3 文化の日 and the weekend are not). */
export const WORKING_DAYS = ['2026-11-02', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13'];

export const USERS = DEPARTMENTS.flatMap((department) => [1, 2, 3, 4].map((n) => ({ subject: `dev:${department}-${n}`, department })));

export function personId(n: number): string {
  return `001${String(n).padStart(7, '0')}`;
}

/** `2026-11-05`, `22:30` → an instant with the +09:00 offset. */
export function at(date: string, time: string, seconds = 0): string {
  return `${date}T${time}:${String(seconds).padStart(2, '0')}+09:00`;
}

export interface EntryOptions {
  subject: string | null;
  department: string | null;
  occurredAt: string;
  decision?: AuditDecision;
  personIds?: string[];
  kind?: AuditEntryInput['kind'];
}

export function entry(options: EntryOptions): AuditEntryInput {
  const decision = options.decision ?? 'GRANTED';
  const department = options.department as (typeof DEPARTMENTS)[number] | null;
  const denied = decision === 'GRANTED' || decision === 'FAILED' ? [] : [{ coordinate: 'Resident.individualNumber', policy: 'individual_number' }];
  return {
    kind: options.kind ?? 'OPERATION',
    occurredAt: options.occurredAt,
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    subject: options.subject,
    department: options.department,
    roles: options.subject ? ['clerk'] : [],
    purpose: department ? PURPOSE[department] : null,
    mfa: options.subject ? true : null,
    clientName: 'madoguchi-app',
    clientVersion: '1.4.2',
    caseReference: null,
    operationName: 'ResidentCard',
    operationHash: 'a'.repeat(64),
    decision,
    grantedFields: decision === 'DENIED' || decision === 'REFUSED' ? [] : ['Query.resident', 'Resident.name'],
    deniedFields: denied,
    personIds: decision === 'DENIED' || decision === 'REFUSED' ? [] : (options.personIds ?? []),
    ruleVersion: 'r1',
    errorCodes: denied.length ? ['UNAUTHORIZED_FIELD_OR_TYPE'] : [],
    detail: null,
  };
}

/** The ordinary fortnight: no pattern the default calendar flags. */
export function cleanTrail(seed = 'audit-anomalies-v1'): AuditEntryInput[] {
  const random = new SeededRandom(seed);
  const entries: AuditEntryInput[] = [];
  for (const date of WORKING_DAYS) {
    entries.push(entry({ kind: 'RULES_RELOADED', subject: null, department: null, occurredAt: at(date, '03:00') }));
    for (const user of USERS) {
      const operations = random.int(20, 50);
      let partials = 0;
      for (let i = 0; i < operations; i++) {
        const minute = random.int(9 * 60, 17 * 60 - 1);
        const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        const persons = Array.from({ length: random.int(1, 3) }, () => personId(random.int(1, 5000)));
        const decision: AuditDecision = partials < 2 && random.next() < 0.03 ? 'PARTIAL' : 'GRANTED';
        if (decision === 'PARTIAL') partials++;
        entries.push(entry({ ...user, occurredAt: at(date, time, random.int(0, 59)), decision, personIds: persons }));
      }
    }
    // Bad tokens at night: no user to attribute, not a finding.
    entries.push(entry({ subject: null, department: null, occurredAt: at(date, '23:10'), decision: 'REFUSED' }));
  }
  return entries;
}

export type PlantedKind = 'OFF_HOURS' | 'HIGH_FREQUENCY' | 'BULK_ACCESS' | 'REPEATED_DENIALS';

export interface PlantedPattern {
  kind: PlantedKind;
  subject: string;
  window: string;
  /** Indexes into the trail of the planted entries (sequences once stored: index + 1). */
  indexes: number[];
  /** Entries of the clean trail that belong to the finding too (HIGH_FREQUENCY counts the user's ordinary ones). */
  includeOrdinaryOfDay?: boolean;
}

/**
 * The clean fortnight with planted patterns (each by its own user, so one pattern never triggers
 * another's finding): off-hours late at night, on a Saturday, on a holiday and before opening;
 * a day above the per-user threshold; a day far above the department's median but under the
 * threshold; 150 persons within one hour; six refusals in a day.
 */
export function plantedTrail(seed = 'audit-anomalies-v1'): { entries: AuditEntryInput[]; planted: PlantedPattern[] } {
  const entries = cleanTrail(seed);
  const planted: PlantedPattern[] = [];
  const plant = (kind: PlantedKind, subject: string, window: string, list: AuditEntryInput[], extra: Partial<PlantedPattern> = {}) => {
    const start = entries.length;
    entries.push(...list);
    planted.push({ kind, subject, window, indexes: list.map((_, i) => start + i), ...extra });
  };
  const user = (department: string, n: number) => ({ subject: `dev:planted-${department}-${n}`, department });

  // OFF_HOURS: a registry clerk late at night (three operations), a tax clerk on Saturday, a
  // My Number clerk on 文化の日, another before opening (08:29:59: one second early).
  const night = user('registry-division', 1);
  plant('OFF_HOURS', night.subject, '2026-11-05', ['22:30', '22:45', '23:05'].map((t, i) => entry({ ...night, occurredAt: at('2026-11-05', t), personIds: [personId(9001 + i)] })));
  const saturday = user('taxation-division', 1);
  plant('OFF_HOURS', saturday.subject, '2026-11-07', [entry({ ...saturday, occurredAt: at('2026-11-07', '10:00'), personIds: [personId(9010)] })]);
  const holiday = user('mynumber-division', 1);
  plant('OFF_HOURS', holiday.subject, '2026-11-03', [entry({ ...holiday, occurredAt: at('2026-11-03', '11:00'), personIds: [personId(9020)] })]);
  const early = user('registry-division', 2);
  plant('OFF_HOURS', early.subject, '2026-11-09', [entry({ ...early, occurredAt: at('2026-11-09', '08:29', 59), personIds: [personId(9030)] })]);
  // … and inside business hours the same day, 08:30:00 exactly and 17:14: not off-hours.
  entries.push(entry({ ...early, occurredAt: at('2026-11-09', '08:30', 0), personIds: [personId(9031)] }));
  entries.push(entry({ ...early, occurredAt: at('2026-11-09', '17:14', 59), personIds: [personId(9032)] }));

  // HIGH_FREQUENCY above the per-user threshold (300): 400 operations in a working day, one person each.
  const busy = user('taxation-division', 2);
  plant(
    'HIGH_FREQUENCY',
    busy.subject,
    '2026-11-10',
    Array.from({ length: 400 }, (_, i) => entry({ ...busy, occurredAt: at('2026-11-10', `${String(9 + Math.floor(i / 50)).padStart(2, '0')}:${String(i % 50).padStart(2, '0')}`), personIds: [personId(1 + (i % 40))] })),
  );
  // HIGH_FREQUENCY against the department: 290 operations (under 300) where the department's
  // median is at most 50 (5× is at most 250).
  const outlier = user('mynumber-division', 2);
  plant(
    'HIGH_FREQUENCY',
    outlier.subject,
    '2026-11-12',
    Array.from({ length: 290 }, (_, i) => entry({ ...outlier, occurredAt: at('2026-11-12', `${String(9 + Math.floor(i / 40)).padStart(2, '0')}:${String(i % 40).padStart(2, '0')}`), personIds: [personId(1 + (i % 30))] })),
  );

  // BULK_ACCESS: 150 distinct persons within 14:00–14:59 (15 operations of 10 persons).
  const bulk = user('registry-division', 3);
  plant(
    'BULK_ACCESS',
    bulk.subject,
    '2026-11-11T14',
    Array.from({ length: 15 }, (_, i) =>
      entry({ ...bulk, occurredAt: at('2026-11-11', `14:${String(i * 3).padStart(2, '0')}`), personIds: Array.from({ length: 10 }, (_, j) => personId(20000 + i * 10 + j)) }),
    ),
  );
  // The same user's next hour: 60 persons, under the threshold.
  for (let i = 0; i < 6; i++) {
    entries.push(entry({ ...bulk, occurredAt: at('2026-11-11', `15:${String(i * 5).padStart(2, '0')}`), personIds: Array.from({ length: 10 }, (_, j) => personId(30000 + i * 10 + j)) }));
  }

  // REPEATED_DENIALS: six refusals in one day (threshold 5), of three kinds.
  const prober = user('taxation-division', 3);
  const decisions: AuditDecision[] = ['DENIED', 'DENIED', 'PARTIAL', 'REFUSED', 'DENIED', 'PARTIAL'];
  plant(
    'REPEATED_DENIALS',
    prober.subject,
    '2026-11-06',
    decisions.map((decision, i) => entry({ ...prober, occurredAt: at('2026-11-06', `1${i}:15`), decision, personIds: [personId(9100 + i)] })),
  );
  // Four refusals the next working day: under the threshold.
  for (let i = 0; i < 4; i++) entries.push(entry({ ...prober, occurredAt: at('2026-11-09', `1${i}:20`), decision: 'DENIED' }));

  return { entries, planted };
}

/** Entries as the store would return them: sequence (index + 1) and a valid hash chain. */
export function asRecords(entries: readonly AuditEntryInput[], recordedAt = '2026-11-15T00:00:00.000+09:00'): AuditRecord[] {
  let previousHash = GENESIS_HASH;
  return entries.map((input, index) => {
    const withoutHash = { ...input, sequence: index + 1, recordedAt, previousHash };
    const record: AuditRecord = { ...withoutHash, hash: recordHash(withoutHash) };
    previousHash = record.hash;
    return record;
  });
}
