/** The rules as the API shows them (CONTRACT-12, schema/audit.graphql RuleVersion). */
export interface GrantView {
  policy: string;
  roles: string[] | null;
  departments: string[] | null;
  purposes: string[] | null;
  mfaRequired: boolean;
  mask: string | null;
  legalBasis: string[];
  source: string;
}

export interface RuleProfileView {
  key: string;
  department: string;
  departmentName: string;
  role: string;
  purpose: string;
  purposeName: string;
  mfa: boolean;
}

export interface FieldRuleView {
  coordinate: string;
  policies: string[][];
  classification: string;
  readers: GrantView[];
  profiles: { key: string }[];
}

export interface ProfileRuleView {
  profile: RuleProfileView;
  policies: string[];
  readableFields: string[];
}

export interface RuleVersionView {
  id: string;
  sequence: number;
  origin: string;
  createdAt: string;
  createdBy: string;
  proposalId: string | null;
  inForce: boolean;
  appliedAt: string | null;
}

export const GRANT_FIELDS = 'policy roles departments purposes mfaRequired mask legalBasis source';
export const PROFILE_FIELDS = 'key department departmentName role purpose purposeName mfa';
export const VERSION_FIELDS = 'id sequence origin createdAt createdBy proposalId inForce appliedAt';

export interface ProposalView {
  id: string;
  kind: string;
  status: string;
  summary: string;
  author: string;
  authorDepartment: string;
  proposedAt: string;
  baseVersion: string;
  proposedVersion: string;
  changedFiles: string[];
  decidedBy: string | null;
  decidedAt: string | null;
  decisionComment: string | null;
  appliedVersion: string | null;
  appliedAt: string | null;
  restoresVersion: string | null;
  revokedSubject: string | null;
  decidableByMe: boolean;
  shadow: { from: string; until: string; active: boolean } | null;
}

export const PROPOSAL_FIELDS = `id kind status summary author authorDepartment proposedAt baseVersion proposedVersion changedFiles
  decidedBy decidedAt decisionComment appliedVersion appliedAt restoresVersion revokedSubject decidableByMe shadow { from until active }`;

/** Short form of a sha256 version id for tables (the full id is in the title attribute). */
export const shortVersion = (id: string | null | undefined): string => (id ? id.slice(0, 12) : '—');
