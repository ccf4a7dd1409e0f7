/** Which limits (policy/limits.yaml) apply to a principal: the first profile that matches, else the defaults. */
import { matches } from '../../lib/authorization/profile';
import type { LimitPolicy, LimitProfile } from '../../lib/policy/types';
import type { Principal } from '../../lib/authorization/types';

export function limitProfileFor(limits: LimitPolicy, principal: Pick<Principal, 'roles' | 'departmentId' | 'purpose' | 'mfa'>): LimitProfile {
  // A profile's conditions read like a grant's (lib/authorization/profile.ts), without an MFA condition.
  return limits.profiles.find((profile) => matches({ ...profile, mfa: 'optional' }, principal)) ?? limits.defaults;
}
