import type { Officer } from '../../lib/rule-versions/workflow';

/** A security officer (情報セキュリティ担当) as the workflow receives one from a signed identity, with MFA. */
export function securityOfficer(subject: string): Officer {
  return {
    subject,
    department: 'information-security-office',
    roles: ['security-officer'],
    purpose: 'audit',
    mfa: true,
    requestId: `req-${subject}`,
    ruleVersion: 'v',
  };
}
