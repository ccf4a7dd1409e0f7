import { denialText, requirementReason } from '../../../lib/authorization/denial';

// The text of a denial is what clients read in extensions.policy and what the audit trail records
// in deniedFields[].policy: typing the denial must not change one byte of it.
describe('denials render to the wire and audit text', () => {
  it('names a policy, a scope, an empty requirement, introspection and an unclassified field as before', () => {
    expect(denialText({ kind: 'policy', policy: 'individual_number' })).toBe('individual_number');
    expect(denialText({ kind: 'scope', scope: 'resident:read' })).toBe('scope:resident:read');
    expect(denialText({ kind: 'empty-requirement' })).toBe('(empty requirement)');
    expect(denialText({ kind: 'introspection' })).toBe('introspection');
    expect(denialText({ kind: 'unclassified' })).toBe('unclassified');
  });

  it('gives the profile’s own words for a policy, else a sentence from the denial', () => {
    const denials = new Map([['individual_number', 'individual_number requires MFA (sign in with IC card and password)']]);
    expect(requirementReason({ kind: 'policy', policy: 'individual_number' }, denials)).toBe('individual_number requires MFA (sign in with IC card and password)');
    expect(requirementReason({ kind: 'policy', policy: 'statistics' }, denials)).toBe('statistics is not granted');
    expect(requirementReason({ kind: 'scope', scope: 'resident:write' }, denials)).toBe('the token lacks the OAuth scope resident:write');
    expect(requirementReason({ kind: 'empty-requirement' }, denials)).toBe('(empty requirement) is not granted');
  });
});
