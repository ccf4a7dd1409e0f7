import type { PersonaId } from '../../gateway/auth/personas';

/**
 * The expected outcome of the default rules, per persona: which policies each may read. Written
 * out here, independently of policy/*.yaml, so a change to the rule files that changes who reads
 * what fails the profile test (lib level) and the authorization matrix (through the federation).
 * revoked-clerk is absent: it gets 401.
 */
export const EXPECTED_GRANTS: Record<Exclude<PersonaId, 'revoked-clerk'>, readonly string[]> = {
  'registry-clerk': ['person_basic', 'person_register', 'individual_number', 'foreign_resident_card', 'cs_identity', 'information_linkage', 'card_progress', 'support_measure'],
  'branch-clerk': ['person_basic', 'person_register', 'individual_number', 'foreign_resident_card', 'cs_identity', 'card_progress'],
  'registry-clerk-nomfa': ['person_basic', 'person_register', 'foreign_resident_card', 'cs_identity', 'information_linkage', 'card_progress', 'support_measure'],
  'mynumber-officer': ['person_basic', 'individual_number', 'cs_identity', 'card_progress'],
  'tax-clerk': ['person_basic', 'person_register', 'individual_number'],
  'school-clerk': ['person_basic'],
  'dx-analyst': ['statistics'],
  'security-officer': ['audit_trail'],
  'security-officer-2': ['audit_trail'],
  'vendor-operator': [],
  'terminal-manager': ['bulk_approval'],
};
