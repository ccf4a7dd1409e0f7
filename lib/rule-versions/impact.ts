/**
 * Which accesses a proposal would newly refuse or newly allow: each recorded operation (from the
 * trail, or live in shadow mode) decided again under the rules in force and under the proposal,
 * from its profile (subject, department, roles, purpose, MFA) and the field coordinates it asked
 * for (granted and denied). Comparing the proposal with the rules in force — not with what was
 * decided at the time — shows the proposal's own effect, whatever changed since.
 */
import type { PolicySet } from '../policy/types';
import type { FieldClassification } from '../authorization/types';
import { allows, profileUnder, type ProfileOutcome } from './decide';

export interface RecordedOperation {
  readonly sequence?: number;
  readonly occurredAt: string;
  readonly subject: string | null;
  readonly department: string | null;
  readonly roles: readonly string[];
  readonly purpose: string | null;
  readonly mfa: boolean | null;
  /** Every coordinate asked for: granted and denied. */
  readonly coordinates: readonly string[];
  readonly personIds: readonly string[];
}

export interface OperationDifference {
  readonly newlyRefused: readonly string[];
  readonly newlyAllowed: readonly string[];
}

/** Decides operations under two rule sets, each profile once per comparer (bounded memo). */
export class OperationComparer {
  private readonly memo = new Map<string, [ProfileOutcome, ProfileOutcome]>();
  static readonly MEMO_SIZE = 5000;

  constructor(
    readonly inForce: PolicySet,
    readonly proposed: PolicySet,
    readonly classifications: ReadonlyMap<string, FieldClassification>,
  ) {}

  private outcomes(op: RecordedOperation): [ProfileOutcome, ProfileOutcome] {
    const key = JSON.stringify([op.subject, op.department, op.roles, op.purpose, op.mfa]);
    let pair = this.memo.get(key);
    if (!pair) {
      const profile = { subject: op.subject, department: op.department ?? '', roles: op.roles, purpose: op.purpose ?? '', mfa: op.mfa === true };
      pair = [profileUnder(this.inForce, profile), profileUnder(this.proposed, profile)];
      if (this.memo.size >= OperationComparer.MEMO_SIZE) this.memo.clear();
      this.memo.set(key, pair);
    }
    return pair;
  }

  compare(op: RecordedOperation): OperationDifference {
    const [before, after] = this.outcomes(op);
    const newlyRefused: string[] = [];
    const newlyAllowed: string[] = [];
    for (const coordinate of op.coordinates) {
      const classification = this.classifications.get(coordinate);
      if (!classification || classification.policies === null) continue;
      const was = allows(before, classification);
      const now = allows(after, classification);
      if (was && !now) newlyRefused.push(coordinate);
      else if (!was && now) newlyAllowed.push(coordinate);
    }
    return { newlyRefused, newlyAllowed };
  }
}

export interface ImpactUser {
  readonly subject: string;
  readonly department: string | null;
  readonly accessCount: number;
}
export interface ImpactDepartment {
  readonly department: string;
  readonly accessCount: number;
  readonly userCount: number;
}
export interface ImpactField {
  readonly coordinate: string;
  readonly accessCount: number;
}
export interface Impact {
  readonly accessCount: number;
  readonly fieldAccessCount: number;
  readonly personCount: number;
  readonly users: readonly ImpactUser[];
  readonly departments: readonly ImpactDepartment[];
  readonly fields: readonly ImpactField[];
  readonly sampleSequences: readonly number[];
}

const SAMPLE_SIZE = 100;

/** Counts one direction's accesses: by user, department, field, distinct persons. */
export class ImpactTally {
  private accesses = 0;
  private fieldAccesses = 0;
  private readonly persons = new Set<string>();
  private readonly users = new Map<string, { department: string | null; count: number }>();
  private readonly departments = new Map<string, { count: number; users: Set<string> }>();
  private readonly fields = new Map<string, number>();
  private readonly samples: number[] = [];

  add(op: Pick<RecordedOperation, 'subject' | 'department' | 'personIds' | 'sequence'>, coordinates: readonly string[]): void {
    if (coordinates.length === 0) return;
    this.accesses++;
    this.fieldAccesses += coordinates.length;
    for (const person of op.personIds) this.persons.add(person);
    const subject = op.subject ?? '(unknown)';
    const user = this.users.get(subject) ?? { department: op.department, count: 0 };
    user.count++;
    this.users.set(subject, user);
    const departmentId = op.department ?? '(unknown)';
    const department = this.departments.get(departmentId) ?? { count: 0, users: new Set<string>() };
    department.count++;
    department.users.add(subject);
    this.departments.set(departmentId, department);
    for (const coordinate of coordinates) this.fields.set(coordinate, (this.fields.get(coordinate) ?? 0) + 1);
    if (op.sequence !== undefined && this.samples.length < SAMPLE_SIZE) this.samples.push(op.sequence);
  }

  result(): Impact {
    const byCount = <T extends { accessCount: number }>(key: (item: T) => string) => (a: T, b: T) => b.accessCount - a.accessCount || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
    return {
      accessCount: this.accesses,
      fieldAccessCount: this.fieldAccesses,
      personCount: this.persons.size,
      users: [...this.users].map(([subject, u]) => ({ subject, department: u.department, accessCount: u.count })).sort(byCount((u) => u.subject)),
      departments: [...this.departments].map(([department, d]) => ({ department, accessCount: d.count, userCount: d.users.size })).sort(byCount((d) => d.department)),
      fields: [...this.fields].map(([coordinate, count]) => ({ coordinate, accessCount: count })).sort(byCount((f) => f.coordinate)),
      sampleSequences: [...this.samples],
    };
  }
}

/** The operation records a replay decides again: operations decided on fields. */
export function isReplayable(record: { kind: string; decision: string }): boolean {
  return record.kind === 'OPERATION' && (record.decision === 'GRANTED' || record.decision === 'PARTIAL' || record.decision === 'DENIED');
}

export interface ReplayResult {
  readonly operationsAnalysed: number;
  readonly truncated: boolean;
  readonly newlyRefused: Impact;
  readonly newlyAllowed: Impact;
}

/** Upper bound of records one replay reads (the graph's answer says when it stopped there). */
export const MAX_REPLAY_RECORDS = 500_000;

/**
 * Replays pages of audit records (oldest first, as `pages` yields them) under both rule sets.
 * `pages` is asked for the next page until it returns null or the bound is reached.
 */
export async function replay(
  comparer: OperationComparer,
  pages: AsyncIterable<readonly { sequence: number; kind: string; decision: string; occurredAt: string; subject: string | null; department: string | null; roles: string[]; purpose: string | null; mfa: boolean | null; grantedFields: string[]; deniedFields: { coordinate: string }[]; personIds: string[] }[]>,
  maxRecords = MAX_REPLAY_RECORDS,
): Promise<ReplayResult> {
  const refused = new ImpactTally();
  const allowed = new ImpactTally();
  let analysed = 0;
  let read = 0;
  let truncated = false;
  outer: for await (const page of pages) {
    for (const record of page) {
      if (read >= maxRecords) {
        truncated = true;
        break outer;
      }
      read++;
      if (!isReplayable(record)) continue;
      analysed++;
      const op: RecordedOperation = {
        sequence: record.sequence,
        occurredAt: record.occurredAt,
        subject: record.subject,
        department: record.department,
        roles: record.roles,
        purpose: record.purpose,
        mfa: record.mfa,
        coordinates: [...record.grantedFields, ...record.deniedFields.map((d) => d.coordinate)],
        personIds: record.personIds,
      };
      const difference = comparer.compare(op);
      refused.add(op, difference.newlyRefused);
      allowed.add(op, difference.newlyAllowed);
    }
  }
  return { operationsAnalysed: analysed, truncated, newlyRefused: refused.result(), newlyAllowed: allowed.result() };
}
