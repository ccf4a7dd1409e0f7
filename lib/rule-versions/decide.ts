/**
 * Deciding field coordinates under a PolicySet for a recorded or enumerated profile, the same way
 * the gateway's first line does (resolveProfile + satisfies over the SDL's classifications): what
 * the dry run, the replay on the trail and shadow mode compare between two rule versions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { readClassifications } from '../authorization/classification';
import { resolveProfile, satisfies } from '../authorization/profile';
import type { PolicySet } from '../policy/types';
import type { FieldClassification, PermissionProfile, Principal } from '../authorization/types';

export const DEFAULT_SUPERGRAPH_FILE = path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql');

/** The classifications of the composed supergraph (every classified coordinate). */
export function loadClassifications(file: string = DEFAULT_SUPERGRAPH_FILE): ReadonlyMap<string, FieldClassification> {
  return readClassifications(parse(fs.readFileSync(file, 'utf8')));
}

/** A profile's identity without a person: what decisions depend on. */
export interface ProfileKey {
  readonly subject?: string | null;
  readonly department: string;
  readonly roles: readonly string[];
  readonly purpose: string;
  readonly mfa: boolean;
}

export type ProfileOutcome = { ok: true; profile: PermissionProfile } | { ok: false; reason: string };

/** The permission profile under `rules` (production: false; introspection is not a field decision). */
export function profileUnder(rules: PolicySet, key: ProfileKey): ProfileOutcome {
  const principal: Principal = {
    subject: key.subject ?? '(profile)',
    departmentId: key.department,
    roles: key.roles,
    purpose: key.purpose,
    mfa: key.mfa,
    scopes: [],
  };
  const result = resolveProfile(rules, principal, { production: false });
  return result.ok ? { ok: true, profile: result.profile } : { ok: false, reason: `${result.refusal.reason}: ${result.refusal.message}` };
}

/** Whether the profile may read the coordinate (an unclassified coordinate is not decided: true). */
export function allows(outcome: ProfileOutcome, classification: FieldClassification | undefined): boolean {
  if (!outcome.ok) return false;
  if (!classification) return true;
  return satisfies(outcome.profile, classification.policies, classification.scopes).ok;
}
