import { AuditInputError, normaliseEntry } from '../../../lib/audit/store';
import { EVENT_DECISIONS, eventDecision } from '../../../lib/audit/types';
import { auditEntry } from '../../support/audit-store';

// Events are not access decisions; the decision they carry is kept for chain compatibility and
// mapped in one place (lib/audit/types.ts EVENT_DECISIONS). The stored values are the ones the
// trail has always held.
describe('audit entry kinds', () => {
  it('maps every event to the decision its records have always carried', () => {
    expect(EVENT_DECISIONS).toEqual({
      PERSONS_ATTRIBUTED: 'GRANTED',
      RULES_RELOADED: 'GRANTED',
      RULES_REJECTED: 'REFUSED',
      BULK_APPROVAL_ISSUED: 'GRANTED',
      BULK_APPROVAL_WITHDRAWN: 'GRANTED',
      // The steps of a rule change (issue 12), each recorded as it takes effect.
      RULE_PROPOSED: 'GRANTED',
      RULE_APPROVED: 'GRANTED',
      RULE_REJECTED: 'GRANTED',
      RULE_APPLIED: 'GRANTED',
      RULE_WITHDRAWN: 'GRANTED',
      TRUSTED_DOCUMENT_DECIDED: 'GRANTED',
      RULE_REVOKED: 'GRANTED',
      RULE_REVOCATION_CONFIRMED: 'GRANTED',
      RULE_SHADOW: 'GRANTED',
    });
  });

  it('takes an event with its mapped decision and refuses one with another', () => {
    const event = { subject: null, department: null, roles: [], grantedFields: [], personIds: [], deniedFields: [] };
    expect(normaliseEntry(auditEntry({ ...event, kind: 'RULES_REJECTED', decision: eventDecision('RULES_REJECTED') })).decision).toBe('REFUSED');
    expect(() => normaliseEntry(auditEntry({ ...event, kind: 'RULES_RELOADED', decision: 'DENIED' }))).toThrow(AuditInputError);
    expect(() => normaliseEntry(auditEntry({ ...event, kind: 'BULK_APPROVAL_ISSUED', decision: 'REFUSED' }))).toThrow('a BULK_APPROVAL_ISSUED event is recorded with decision GRANTED');
  });

  it('leaves an operation any decision', () => {
    for (const decision of ['GRANTED', 'PARTIAL', 'DENIED', 'FAILED', 'REFUSED'] as const) {
      expect(normaliseEntry(auditEntry({ decision, deniedFields: [], grantedFields: [] })).decision).toBe(decision);
    }
  });
});
