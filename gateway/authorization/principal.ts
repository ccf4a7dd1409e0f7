import type { Principal } from '../../lib/authorization/types';
import type { Identity } from '../context';

/** The verified identity as the access rules see it: who, which department, roles, purpose, MFA, scopes. */
export function principalOf(identity: Identity): Principal {
  return {
    subject: identity.subject,
    departmentId: identity.department.id,
    roles: identity.roles,
    purpose: identity.purpose,
    mfa: identity.mfa,
    scopes: identity.scopes,
  };
}
