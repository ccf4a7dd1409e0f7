import type { AuditEntryInput } from '../../lib/audit/types';

/**
 * A synthetic audit entry as a registry clerk's granted operation makes it (no person data: the
 * ids are 宛名番号-shaped numbers), for the audit benchmarks; `request` numbers it.
 */
export function syntheticAuditEntry(request: number, fields: { grantedFields: string[]; personIds: string[]; subject: string }): AuditEntryInput {
  return {
    kind: 'OPERATION',
    occurredAt: new Date().toISOString(),
    requestId: `bench-${request}`,
    subject: fields.subject,
    department: 'registry-division',
    roles: ['clerk'],
    purpose: 'resident-registry',
    mfa: true,
    clientName: 'bench',
    clientVersion: null,
    caseReference: null,
    operationName: 'Bench',
    operationHash: 'ab'.repeat(32),
    decision: 'GRANTED',
    grantedFields: fields.grantedFields,
    deniedFields: [],
    personIds: fields.personIds,
    ruleVersion: 'bench',
    errorCodes: [],
    detail: null,
  };
}
