/**
 * A synthetic audit trail (監査証跡) for demos and the dry run's figures: a month of the ward's
 * staff reading the register as the personas do — each department's clerks, on working days in
 * business hours (a few off-hours), asking for the field coordinates their work needs, some of
 * them refused. Decided under the rules given (as the gateway would have recorded them); persons
 * are the synthetic register's 宛名番号. Deterministic for a seed. Never a real person.
 */
import { allows, profileUnder } from '../lib/rule-versions/decide';
import type { AuditDecision, AuditEntryInput } from '../lib/audit/types';
import type { PolicySet } from '../lib/policy/types';
import type { FieldClassification } from '../lib/authorization/types';
import { SeededRandom } from '../lib/random';

const BASIC = ['Query.resident', 'Resident.id', 'Resident.name', 'Resident.birthDate', 'Resident.sex', 'Resident.address', 'Resident.status'];
const HOUSEHOLD = ['Resident.household', 'Household.id', 'Household.head', 'Household.members', 'Resident.relationshipToHead'];
const REGISTER = ['Resident.becameResidentOn', 'Resident.previousAddress', 'Resident.movements', 'Resident.familyRegister'];
const NUMBER = ['Resident.individualNumber'];
const CS = ['Resident.identityInfo', 'IdentityInfo.residentCode', 'IdentityInfo.name', 'IdentityInfo.address'];
const CARD = ['Resident.myNumberCard', 'MyNumberCard.status', 'MyNumberCard.appliedOn', 'MyNumberCard.events', 'CardEvent.status'];
const STATISTICS = ['Query.populationStatistics'];

interface Workload {
  readonly department: string;
  readonly purpose: string;
  readonly users: number;
  readonly prefix: string;
  /** Operations per user and working day (mean). */
  readonly perDay: number;
  /** Field sets with their weights; each operation asks for one of them. */
  readonly shapes: readonly (readonly [readonly string[], number])[];
  /** Persons per operation (1 for a lookup, more for a list). */
  readonly persons: readonly (readonly [number, number])[];
}

/** The departments of policy/departments.yaml as the personas work (README "Personas"). */
export const TRAIL_WORKLOADS: readonly Workload[] = [
  { department: 'registry-division', purpose: 'resident-registry', users: 12, prefix: 'registry', perDay: 55, shapes: [[BASIC, 4], [[...BASIC, ...HOUSEHOLD], 3], [[...BASIC, ...REGISTER], 2], [[...BASIC, ...NUMBER], 2], [[...BASIC, ...CS], 1]], persons: [[1, 8], [5, 1], [20, 1]] },
  { department: 'setagaya-branch-resident-section', purpose: 'resident-registry', users: 6, prefix: 'branch', perDay: 40, shapes: [[BASIC, 4], [[...BASIC, ...HOUSEHOLD], 2], [[...BASIC, ...NUMBER], 1]], persons: [[1, 9], [5, 1]] },
  { department: 'mynumber-division', purpose: 'mynumber-card', users: 5, prefix: 'mynumber', perDay: 35, shapes: [[[...BASIC, ...CARD], 4], [[...BASIC, ...NUMBER, ...CARD], 3], [[...BASIC, ...CS], 1]], persons: [[1, 9], [10, 1]] },
  { department: 'taxation-division', purpose: 'local-tax', users: 8, prefix: 'tax', perDay: 30, shapes: [[BASIC, 3], [[...BASIC, ...NUMBER], 3], [[...BASIC, ...REGISTER], 1], [[...BASIC, ...HOUSEHOLD], 1]], persons: [[1, 6], [10, 3], [50, 1]] },
  { department: 'school-affairs-division', purpose: 'school-enrolment', users: 4, prefix: 'school', perDay: 15, shapes: [[[...BASIC, ...HOUSEHOLD], 6], [BASIC, 3], [[...BASIC, ...NUMBER], 1]], persons: [[1, 7], [20, 3]] },
  { department: 'dx-promotion-division', purpose: 'statistics', users: 2, prefix: 'dx', perDay: 6, shapes: [[STATISTICS, 1]], persons: [[0, 1]] },
];

export interface TrailOptions {
  /** First day (YYYY-MM-DD, the ward's clock, +09:00). */
  readonly from: string;
  readonly days: number;
  readonly seed?: string;
  /** 宛名番号 to draw persons from. */
  readonly personIds: readonly string[];
  readonly rules: PolicySet;
  readonly classifications: ReadonlyMap<string, FieldClassification>;
  /** Recorded as each entry's ruleVersion. */
  readonly ruleVersion: string;
}

/** The entries of the trail, one day at a time (oldest first). */
export function* generateTrail(options: TrailOptions): Generator<AuditEntryInput[]> {
  const random = new SeededRandom(options.seed ?? 'audit-trail-v1');
  const start = Date.parse(`${options.from}T00:00:00+09:00`);
  let request = 0;
  for (let day = 0; day < options.days; day++) {
    const midnight = start + day * 86_400_000;
    const weekday = new Date(midnight + 9 * 3_600_000).getUTCDay();
    const working = weekday !== 0 && weekday !== 6;
    const entries: AuditEntryInput[] = [];
    for (const workload of TRAIL_WORKLOADS) {
      for (let user = 1; user <= workload.users; user++) {
        const subject = `${workload.prefix}-${String(user).padStart(2, '0')}`;
        // Weekends: now and then someone comes in (the anomaly report's OFF_HOURS).
        const count = working ? random.int(Math.floor(workload.perDay * 0.6), Math.ceil(workload.perDay * 1.4)) : random.chance(0.05) ? random.int(1, 5) : 0;
        const mfa = !random.chance(0.02);
        const outcome = profileUnder(options.rules, { subject, department: workload.department, roles: [workload.department === 'dx-promotion-division' ? 'analyst' : 'clerk'], purpose: workload.purpose, mfa });
        for (let i = 0; i < count; i++) {
          // 08:30–17:15 on working days, a few minutes past in the evening now and then.
          const minute = working ? random.int(510, random.chance(0.03) ? 1260 : 1035) : random.int(540, 1080);
          const at = new Date(midnight + minute * 60_000 + random.int(0, 59_999));
          const coordinates = random.weighted(workload.shapes);
          const granted: string[] = [];
          const denied: { coordinate: string; policy: string }[] = [];
          for (const coordinate of coordinates) {
            const classification = options.classifications.get(coordinate);
            if (allows(outcome, classification)) granted.push(coordinate);
            else denied.push({ coordinate, policy: classification?.policies?.[0]?.[0] ?? 'unknown' });
          }
          const personCount = random.weighted(workload.persons);
          const personIds = new Set<string>();
          for (let p = 0; p < personCount; p++) personIds.add(random.pick(options.personIds));
          const grantedClassified = granted.some((c) => options.classifications.get(c)?.policies);
          const decision: AuditDecision = denied.length === 0 ? 'GRANTED' : grantedClassified ? 'PARTIAL' : 'DENIED';
          entries.push({
            kind: 'OPERATION',
            occurredAt: at.toISOString().replace('Z', '+00:00'),
            requestId: `trail-${++request}`,
            subject,
            department: workload.department,
            roles: workload.department === 'dx-promotion-division' ? ['analyst'] : ['clerk'],
            purpose: workload.purpose,
            mfa,
            clientName: `${workload.prefix}-app`,
            clientVersion: '1.0',
            caseReference: null,
            operationName: 'SyntheticTrail',
            operationHash: null,
            decision,
            grantedFields: granted.sort(),
            deniedFields: denied,
            personIds: decision === 'DENIED' ? [] : [...personIds].sort(),
            ruleVersion: options.ruleVersion,
            errorCodes: denied.length ? ['UNAUTHORIZED_FIELD_OR_TYPE'] : [],
            detail: null,
          });
        }
      }
    }
    entries.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
    yield entries;
  }
}
