/**
 * Why a field is refused, typed. Decisions build and read a Denial; the text form
 * (`individual_number`, `scope:resident:read`, `introspection`, `unclassified`) is what clients see
 * in `extensions.policy` and what the audit trail records in deniedFields[].policy, so it is
 * rendered in one place, here, and its spelling is part of the contract.
 */
export type Denial =
  /** A @policy the profile is not granted (a name from policy/policies.yaml, or an unknown one). */
  | { readonly kind: 'policy'; readonly policy: string }
  /** An OAuth scope (@requiresScopes) the token lacks. */
  | { readonly kind: 'scope'; readonly scope: string }
  /** A requirement written as an empty list or alternative: unsatisfiable (deny by default). */
  | { readonly kind: 'empty-requirement' }
  /** `__schema` / `__type` without the introspection right. */
  | { readonly kind: 'introspection' }
  /** A field the supergraph does not classify (deny by default). */
  | { readonly kind: 'unclassified' };

/** The wire and audit text of a denial. */
export function denialText(denial: Denial): string {
  switch (denial.kind) {
    case 'policy':
      return denial.policy;
    case 'scope':
      return `scope:${denial.scope}`;
    case 'empty-requirement':
      return '(empty requirement)';
    case 'introspection':
      return 'introspection';
    case 'unclassified':
      return 'unclassified';
  }
}

/** What `satisfies` (lib/authorization/profile.ts) can answer: a classification not met. */
export type RequirementDenial = Extract<Denial, { kind: 'policy' | 'scope' | 'empty-requirement' }>;

/**
 * The reason a clerk's application shows: the profile's own words for a policy it is not granted
 * (`denials`, e.g. "individual_number requires MFA …"), else a sentence from the denial itself.
 */
export function requirementReason(denial: RequirementDenial, denials: ReadonlyMap<string, string>): string {
  switch (denial.kind) {
    case 'policy':
      return denials.get(denial.policy) ?? `${denial.policy} is not granted`;
    case 'scope':
      return `the token lacks the OAuth scope ${denial.scope}`;
    case 'empty-requirement':
      return `${denialText(denial)} is not granted`;
  }
}
