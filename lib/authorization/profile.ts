/**
 * From a verified principal and the rules in force to a PermissionProfile: which policies it
 * is granted, why the others are not, and the row-level and introspection rights. Runs on every
 * request, so results are memoized per (rule version, principal fields) in a bounded map.
 *
 * `satisfies` applies a field's classification (@policy / @requiresScopes, OR of ANDs) to a
 * profile; the gateway (first line) and the subgraphs' shield rules (second line) both use it.
 */
import { createHash } from 'node:crypto';
import type { Grant, PolicySet } from '../policy/types';
import type { RequirementDenial } from './denial';
import { POLICY_NAMES, type PermissionProfile, type Principal, type ProfileRefusal } from './types';
import { maskRule, stricter, type MaskRule } from './mask';
import { LruCache } from '../bounded-cache';

export type ProfileResult = { ok: true; profile: PermissionProfile } | { ok: false; refusal: ProfileRefusal };

export interface ResolveProfileOptions {
  /**
   * Production turns introspection off unless the rules say `allowInProduction: true`.
   * Default: `process.env.NODE_ENV === 'production'`.
   */
  readonly production?: boolean;
}

/** Entries kept by the memo; a ward has a few hundred users × a few purposes each. */
export const PROFILE_CACHE_SIZE = 2000;
const cache = new LruCache<ProfileResult>(PROFILE_CACHE_SIZE);

/**
 * The principal's permission profile under `rules`, or why the request is refused outright:
 * REVOKED (→ 401), UNKNOWN_DEPARTMENT (→ 403), UNKNOWN_PURPOSE / PURPOSE_NOT_REGISTERED (→ 400).
 */
export function resolveProfile(rules: PolicySet, principal: Principal, options: ResolveProfileOptions = {}): ProfileResult {
  const production = options.production ?? process.env.NODE_ENV === 'production';
  const memoKey = JSON.stringify([
    rules.version,
    principal.subject,
    principal.departmentId,
    [...principal.roles].sort(),
    principal.purpose,
    principal.mfa,
    [...principal.scopes].sort(),
    production,
  ]);
  const cached = cache.get(memoKey);
  // A PolicySet object is immutable and its version is a hash of its files, so equal versions give equal results.
  if (cached) return cached;
  const result = computeProfile(rules, principal, production);
  cache.set(memoKey, result);
  return result;
}

/** For tests: empties the memo. */
export function clearProfileCache(): void {
  cache.clear();
}

/** For tests and monitoring. */
export function profileCacheSize(): number {
  return cache.size;
}

function computeProfile(rules: PolicySet, principal: Principal, production: boolean): ProfileResult {
  const maskNamed = (name: string): MaskRule => {
    const entry = rules.masks.get(name);
    // The compiler refuses a grant naming an unknown mask; fail closed (hide all) if one slips by.
    return entry ? maskRule(entry) : { name, keepLast: 0 };
  };
  const revocation = rules.revocations.get(principal.subject);
  if (revocation) {
    // The reason is HR data: it goes to the audit trail, never to the caller.
    return refuse('REVOKED', `access for "${principal.subject}" was revoked on ${revocation.revokedAt}; ask the information-security office`);
  }
  const department = rules.departments.get(principal.departmentId);
  if (!department) {
    return refuse('UNKNOWN_DEPARTMENT', `department "${principal.departmentId}" is not in the access rules; ask the information-security office`);
  }
  const purpose = rules.purposes.get(principal.purpose);
  if (!purpose) {
    return refuse('UNKNOWN_PURPOSE', `purpose "${principal.purpose}" is not a known 事務; known purposes: ${[...rules.purposes.keys()].join(', ')}`);
  }
  if (!department.purposes.includes(purpose.id)) {
    return refuse(
      'PURPOSE_NOT_REGISTERED',
      `department "${department.id}" is not registered for purpose "${purpose.id}" (${purpose.name}); it is registered for: ${department.purposes.join(', ')}`,
    );
  }

  const granted = new Set<string>();
  const masked = new Map<string, MaskRule>();
  const denials = new Map<string, string>();
  for (const name of POLICY_NAMES) {
    const policy = rules.policies.get(name);
    if (!policy) {
      // loadPolicy guarantees every policy; a hand-built PolicySet without one denies it.
      denials.set(name, `${name} has no rule`);
      continue;
    }
    const matching = policy.allow.filter((grant) => matches(grant, principal));
    if (matching.length > 0) {
      granted.add(name);
      // Masked only when no matching grant is in full; of several masks, the one showing more
      // (each grant alone would allow it).
      if (matching.every((grant) => grant.mask !== null)) {
        const masks = matching.map((grant) => maskNamed(grant.mask!));
        masked.set(name, masks.reduce((a, b) => (b.keepLast > a.keepLast ? b : a)));
      }
    } else {
      const notIndividualNumberWork = policy.classification === 'individual-number' && !purpose.individualNumberWork ? purpose.name : undefined;
      denials.set(name, denialReason(name, policy.allow, principal, notIndividualNumberWork));
    }
  }

  const introspection =
    (!production || rules.introspection.allowInProduction) && principal.roles.some((role) => rules.introspection.roles.includes(role));
  const supportMeasureRecords = rules.rowRules.supportMeasure.allow.some((grant) => matches(grant, principal));
  const scopes = new Set(principal.scopes);
  const sortedGranted = [...granted].sort();
  const key = createHash('sha256')
    .update(JSON.stringify([rules.version, sortedGranted, [...masked].sort(([a], [b]) => a.localeCompare(b)), [...scopes].sort(), introspection, supportMeasureRecords]))
    .digest('hex');

  const profile: PermissionProfile = {
    key,
    ruleVersion: rules.version,
    granted,
    masked,
    denials,
    scopes,
    introspection,
    supportMeasureRecords,
  };
  return { ok: true, profile };
}

function refuse(reason: ProfileRefusal['reason'], message: string): ProfileResult {
  return { ok: false, refusal: { reason, message } };
}

/** Whether a grant applies to the principal: every condition present holds. */
export function matches(grant: Pick<Grant, 'roles' | 'departments' | 'purposes' | 'mfa'>, principal: Pick<Principal, 'roles' | 'departmentId' | 'purpose' | 'mfa'>): boolean {
  return (
    (grant.purposes === null || grant.purposes.includes(principal.purpose)) &&
    (grant.departments === null || grant.departments.includes(principal.departmentId)) &&
    (grant.roles === null || principal.roles.some((role) => grant.roles!.includes(role))) &&
    (grant.mfa === 'optional' || principal.mfa)
  );
}

/**
 * Why no grant applies, naming the first condition that fails on the grants closest to the
 * principal: purpose, then department, then role, then MFA. Written for a clerk's screen.
 */
function denialReason(policy: string, grants: readonly Grant[], principal: Principal, notIndividualNumberWork: string | undefined): string {
  if (grants.length === 0) return `${policy} is granted to nobody`;
  const forPurpose = grants.filter((grant) => grant.purposes === null || grant.purposes.includes(principal.purpose));
  if (forPurpose.length === 0) {
    const suffix = notIndividualNumberWork !== undefined ? ` (${notIndividualNumberWork} is not individual-number work)` : '';
    return `${policy} is not granted to purpose ${principal.purpose}${suffix}`;
  }
  const forDepartment = forPurpose.filter((grant) => grant.departments === null || grant.departments.includes(principal.departmentId));
  if (forDepartment.length === 0) return `${policy} is not granted to department ${principal.departmentId} for purpose ${principal.purpose}`;
  const forRole = forDepartment.filter((grant) => grant.roles === null || principal.roles.some((role) => grant.roles!.includes(role)));
  if (forRole.length === 0) return `${policy} is not granted to role ${principal.roles.join(', ')} in department ${principal.departmentId} for purpose ${principal.purpose}`;
  // Only the authentication strength is missing.
  return `${policy} requires MFA (sign in with IC card and password)`;
}

/** Why a field is refused: a policy not granted, an OAuth scope missing, or an empty requirement (denial.ts). */
export type SatisfiesResult = { ok: true } | { ok: false; deniedBy: RequirementDenial };

/**
 * Federation semantics for @policy / @requiresScopes: each argument is an OR of ANDs
 * (`[["a", "b"], ["c"]]` = (a AND b) OR c); `null` means the directive is absent (no
 * requirement). Both must hold. An empty list, or an empty alternative, is treated as
 * unsatisfiable (deny by default) rather than as "no requirement".
 * `deniedBy` names a policy from the alternative that came closest (fewest missing), its first
 * missing entry in written order (a scope for @requiresScopes).
 */
export function satisfies(profile: PermissionProfile, policies: string[][] | null, scopes: string[][] | null): SatisfiesResult {
  if (policies !== null) {
    const missing = closestMissing(policies, profile.granted);
    if (missing === EMPTY_REQUIREMENT) return { ok: false, deniedBy: { kind: 'empty-requirement' } };
    if (missing !== null) return { ok: false, deniedBy: { kind: 'policy', policy: missing } };
  }
  if (scopes !== null) {
    const missing = closestMissing(scopes, profile.scopes);
    if (missing === EMPTY_REQUIREMENT) return { ok: false, deniedBy: { kind: 'empty-requirement' } };
    if (missing !== null) return { ok: false, deniedBy: { kind: 'scope', scope: missing } };
  }
  return { ok: true };
}

/** Marks "no alternative can ever hold" inside closestMissing (never a policy or scope name: those are plain words). */
const EMPTY_REQUIREMENT = Symbol('empty requirement');

/**
 * For a field the profile satisfies: the mask its value is shown with, or null for in full. In
 * full when some alternative the profile holds involves no masked policy; otherwise the mask of
 * the alternative that shows most (each alternative alone would allow it), an alternative
 * showing what the strictest of its masked policies allows.
 */
export function fieldMask(profile: Pick<PermissionProfile, 'granted' | 'masked'>, policies: string[][] | null): MaskRule | null {
  if (policies === null || profile.masked.size === 0) return null;
  let best: MaskRule | null = null;
  for (const alternative of policies) {
    if (alternative.length === 0 || !alternative.every((policy) => profile.granted.has(policy))) continue;
    const masks = alternative.map((policy) => profile.masked.get(policy)).filter((mask): mask is MaskRule => mask !== undefined);
    if (masks.length === 0) return null;
    const strictest = masks.reduce(stricter);
    if (best === null || strictest.keepLast > best.keepLast) best = strictest;
  }
  return best;
}

/** null when some alternative is fully held; else the first missing entry of the closest alternative. */
function closestMissing(alternatives: readonly (readonly string[])[], held: ReadonlySet<string>): string | typeof EMPTY_REQUIREMENT | null {
  let best: string | null = null;
  let bestCount = Infinity;
  for (const alternative of alternatives) {
    if (alternative.length === 0) continue;
    const missing = alternative.filter((entry) => !held.has(entry));
    if (missing.length === 0) return null;
    if (missing.length < bestCount) {
      best = missing[0];
      bestCount = missing.length;
    }
  }
  return best ?? EMPTY_REQUIREMENT;
}
