/**
 * The rules made readable (issue 12.3, promise 14's self-inspection): per field, who may read it
 * and why (grants with their legal basis); per (department, role, purpose, MFA) profile, what it
 * may read; the same as CSV; and the dry run's matrix, the field-by-field difference per profile
 * between two versions.
 */
import type { Grant, PolicyClassification, PolicySet } from '../policy/types';
import type { FieldClassification } from '../authorization/types';
import { allows, profileUnder, type ProfileOutcome } from './decide';

export interface RuleProfileView {
  readonly key: string;
  readonly department: string;
  readonly departmentName: string;
  readonly role: string;
  readonly purpose: string;
  readonly purposeName: string;
  readonly mfa: boolean;
}

export interface GrantView {
  readonly policy: string;
  readonly roles: readonly string[] | null;
  readonly departments: readonly string[] | null;
  readonly purposes: readonly string[] | null;
  readonly mfaRequired: boolean;
  /** The grant's mask (policies.yaml `masks`): the fields are read masked only; null: in full. */
  readonly mask: string | null;
  readonly legalBasis: readonly string[];
  readonly source: string;
}

export interface FieldRuleView {
  readonly coordinate: string;
  readonly policies: readonly (readonly string[])[];
  readonly classification: string;
  readonly readers: readonly GrantView[];
  readonly profiles: readonly RuleProfileView[];
}

export interface ProfileRuleView {
  readonly profile: RuleProfileView;
  readonly policies: readonly string[];
  readonly readableFields: readonly string[];
}

/** Highest first: what a field's classification is called when several policies guard it. */
const CLASSIFICATION_ORDER: readonly PolicyClassification[] = ['individual-number', 'personal-sensitive', 'personal', 'aggregate'];

/**
 * Every (department, role, purpose, MFA) profile of one or more rule sets: each department with
 * each purpose it is registered for, each role, with and without MFA. Sorted by key.
 */
export function enumerateProfiles(...ruleSets: PolicySet[]): RuleProfileView[] {
  const byKey = new Map<string, RuleProfileView>();
  for (const rules of ruleSets) {
    for (const department of rules.departments.values()) {
      for (const purposeId of department.purposes) {
        const purpose = rules.purposes.get(purposeId);
        for (const role of rules.roles.keys()) {
          for (const mfa of [true, false]) {
            const key = `${department.id}/${role}/${purposeId}/${mfa ? 'mfa' : 'nomfa'}`;
            if (!byKey.has(key)) {
              byKey.set(key, { key, department: department.id, departmentName: department.name, role, purpose: purposeId, purposeName: purpose?.name ?? purposeId, mfa });
            }
          }
        }
      }
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function outcomeOf(rules: PolicySet, profile: RuleProfileView): ProfileOutcome {
  return profileUnder(rules, { department: profile.department, roles: [profile.role], purpose: profile.purpose, mfa: profile.mfa });
}

/** Coordinates guarded by a @policy (the ones rules decide), sorted. */
export function policyCoordinates(classifications: ReadonlyMap<string, FieldClassification>): string[] {
  return [...classifications.values()].filter((c) => c.policies !== null).map((c) => c.coordinate).sort();
}

function legalBasisOf(rules: PolicySet, purposes: readonly string[] | null): string[] {
  const ids = purposes ?? [...rules.purposes.keys()];
  const basis = new Set<string>();
  for (const id of ids) for (const item of rules.purposes.get(id)?.legalBasis ?? []) basis.add(item);
  return [...basis];
}

function grantView(rules: PolicySet, policy: string, grant: Grant): GrantView {
  return {
    policy,
    roles: grant.roles,
    departments: grant.departments,
    purposes: grant.purposes,
    mfaRequired: grant.mfa === 'required',
    mask: grant.mask,
    legalBasis: legalBasisOf(rules, grant.purposes),
    source: `${grant.source.file}:${grant.source.line}:${grant.source.column}`,
  };
}

export function policyGrants(rules: PolicySet, policy: string): GrantView[] {
  const rule = rules.policies.get(policy as never);
  return rule ? rule.allow.map((grant) => grantView(rules, policy, grant)) : [];
}

/** The outcome of every profile under one rule set, computed once per view. */
class ProfileTable {
  readonly outcomes = new Map<string, ProfileOutcome>();
  constructor(
    readonly rules: PolicySet,
    readonly profiles: readonly RuleProfileView[],
  ) {
    for (const profile of profiles) this.outcomes.set(profile.key, outcomeOf(rules, profile));
  }
}

export function fieldRules(
  rules: PolicySet,
  classifications: ReadonlyMap<string, FieldClassification>,
  filter: { coordinatePrefix?: string | null; policy?: string | null } = {},
): FieldRuleView[] {
  const table = new ProfileTable(rules, enumerateProfiles(rules));
  const views: FieldRuleView[] = [];
  const coordinates = [...classifications.keys()].sort();
  for (const coordinate of coordinates) {
    if (filter.coordinatePrefix && !coordinate.startsWith(filter.coordinatePrefix)) continue;
    const classification = classifications.get(coordinate)!;
    const policies = classification.policies ?? [];
    const names = [...new Set(policies.flat())];
    if (filter.policy && !names.includes(filter.policy)) continue;
    const classes = names.map((name) => rules.policies.get(name as never)?.classification).filter((c): c is PolicyClassification => c !== undefined);
    const label = policies.length === 0 ? 'authenticated' : (CLASSIFICATION_ORDER.find((c) => classes.includes(c)) ?? 'unknown');
    views.push({
      coordinate,
      policies,
      classification: label,
      readers: names.flatMap((name) => policyGrants(rules, name)),
      profiles: policies.length === 0 ? table.profiles.filter((p) => table.outcomes.get(p.key)!.ok) : table.profiles.filter((p) => allows(table.outcomes.get(p.key)!, classification)),
    });
  }
  return views;
}

export function profileRules(
  rules: PolicySet,
  classifications: ReadonlyMap<string, FieldClassification>,
  filter: { department?: string | null; purpose?: string | null } = {},
): ProfileRuleView[] {
  const coordinates = policyCoordinates(classifications);
  return enumerateProfiles(rules)
    .filter((p) => (!filter.department || p.department === filter.department) && (!filter.purpose || p.purpose === filter.purpose))
    .map((profile) => {
      const outcome = outcomeOf(rules, profile);
      return {
        profile,
        policies: outcome.ok ? [...outcome.profile.granted].sort() : [],
        readableFields: coordinates.filter((coordinate) => allows(outcome, classifications.get(coordinate))),
      };
    });
}

/** RFC 4180: quoted when it holds a comma, quote, CR or LF; a leading = + - @ is prefixed with ' (no formula in a spreadsheet). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const list = (values: readonly string[] | null) => (values === null ? '*' : values.join(' '));

export function fieldsCsv(rules: PolicySet, classifications: ReadonlyMap<string, FieldClassification>): string {
  const rows: string[][] = [['coordinate', 'classification', 'policy', 'roles', 'departments', 'purposes', 'mfa_required', 'legal_basis', 'source', 'mask']];
  for (const field of fieldRules(rules, classifications)) {
    if (field.readers.length === 0) rows.push([field.coordinate, field.classification, field.policies.map((a) => a.join('+')).join(' | '), '', '', '', '', '', '', '']);
    for (const reader of field.readers) {
      rows.push([field.coordinate, field.classification, reader.policy, list(reader.roles), list(reader.departments), list(reader.purposes), reader.mfaRequired ? 'yes' : 'no', reader.legalBasis.join(' / '), reader.source, reader.mask ?? '']);
    }
  }
  return csv(rows);
}

export function profilesCsv(rules: PolicySet, classifications: ReadonlyMap<string, FieldClassification>): string {
  const rows: string[][] = [['department', 'department_name', 'role', 'purpose', 'purpose_name', 'mfa', 'field', 'policy']];
  for (const view of profileRules(rules, classifications)) {
    const { profile } = view;
    for (const coordinate of view.readableFields) {
      const policy = (classifications.get(coordinate)?.policies ?? []).map((a) => a.join('+')).join(' | ');
      rows.push([profile.department, profile.departmentName, profile.role, profile.purpose, profile.purposeName, profile.mfa ? 'yes' : 'no', coordinate, policy]);
    }
  }
  return csv(rows);
}

export interface DryRunRow {
  readonly profile: RuleProfileView;
  readonly newlyAllowed: readonly string[];
  readonly newlyRefused: readonly string[];
  readonly policiesGained: readonly string[];
  readonly policiesLost: readonly string[];
  readonly profileRefusal: string | null;
}

export interface DryRunMatrix {
  readonly profileCount: number;
  readonly changedProfileCount: number;
  readonly fields: readonly string[];
  readonly rows: readonly DryRunRow[];
  readonly revocationsAdded: readonly string[];
  readonly revocationsRemoved: readonly string[];
}

/** The field-by-field difference per profile between the rules in force and a proposal. */
export function dryRunMatrix(inForce: PolicySet, proposed: PolicySet, classifications: ReadonlyMap<string, FieldClassification>, changedOnly = true): DryRunMatrix {
  const coordinates = policyCoordinates(classifications);
  const profiles = enumerateProfiles(inForce, proposed);
  const rows: DryRunRow[] = [];
  const fields = new Set<string>();
  let changed = 0;
  for (const profile of profiles) {
    const before = outcomeOf(inForce, profile);
    const after = outcomeOf(proposed, profile);
    const newlyAllowed: string[] = [];
    const newlyRefused: string[] = [];
    for (const coordinate of coordinates) {
      const classification = classifications.get(coordinate);
      const was = allows(before, classification);
      const now = allows(after, classification);
      if (was && !now) newlyRefused.push(coordinate);
      if (!was && now) newlyAllowed.push(coordinate);
    }
    const grantedBefore = before.ok ? before.profile.granted : new Set<string>();
    const grantedAfter = after.ok ? after.profile.granted : new Set<string>();
    const policiesGained = [...grantedAfter].filter((p) => !grantedBefore.has(p)).sort();
    const policiesLost = [...grantedBefore].filter((p) => !grantedAfter.has(p)).sort();
    const profileRefusal = after.ok ? null : after.reason;
    const isChanged = newlyAllowed.length + newlyRefused.length + policiesGained.length + policiesLost.length > 0 || (before.ok && !after.ok);
    if (isChanged) changed++;
    for (const coordinate of [...newlyAllowed, ...newlyRefused]) fields.add(coordinate);
    if (isChanged || !changedOnly) rows.push({ profile, newlyAllowed, newlyRefused, policiesGained, policiesLost, profileRefusal });
  }
  return {
    profileCount: profiles.length,
    changedProfileCount: changed,
    fields: [...fields].sort(),
    rows,
    revocationsAdded: [...proposed.revocations.keys()].filter((s) => !inForce.revocations.has(s)).sort(),
    revocationsRemoved: [...inForce.revocations.keys()].filter((s) => !proposed.revocations.has(s)).sort(),
  };
}
