/**
 * Development and test identities. They are part of the project's contract (the README's
 * "Personas" table, docs/domain.md "Who uses it"): tests and the policy refer to them by id, so
 * ids, departments, roles and purposes change only together with that table.
 * Every name here is synthetic.
 */

/** Business purposes (事務) a request can be declared under. */
export const PURPOSE_IDS = [
  'resident-registry',
  'mynumber-card',
  'local-tax',
  'local-tax-counter',
  'school-enrolment',
  'statistics',
  'audit',
  'maintenance',
] as const;
export type PurposeId = (typeof PURPOSE_IDS)[number];

export interface Purpose {
  readonly id: PurposeId;
  /** The name of the 事務 as the ward writes it. */
  readonly nameJa: string;
  readonly nameEn: string;
}

export const PURPOSES: readonly Purpose[] = [
  { id: 'resident-registry', nameJa: '住民基本台帳事務', nameEn: 'Basic resident register work' },
  { id: 'mynumber-card', nameJa: '個人番号カード事務', nameEn: 'My Number card work' },
  { id: 'local-tax', nameJa: '地方税事務', nameEn: 'Local tax work' },
  { id: 'local-tax-counter', nameJa: '地方税事務（窓口での本人確認）', nameEn: 'Local tax work at the counter (identity check; individual numbers masked)' },
  { id: 'school-enrolment', nameJa: '就学事務（就学通知）', nameEn: 'School enrolment notices' },
  { id: 'statistics', nameJa: '統計', nameEn: 'Statistics' },
  { id: 'audit', nameJa: '監査', nameEn: 'Audit' },
  { id: 'maintenance', nameJa: '保守', nameEn: 'System maintenance' },
];

export interface Department {
  /** Stable id used by rules and audit; never shown translated. */
  readonly id: string;
  /** The department's name as the ward writes it. */
  readonly name: string;
}

export const DEPARTMENTS = {
  registry: { id: 'registry-division', name: '住民記録・戸籍課' },
  setagayaBranch: { id: 'setagaya-branch-resident-section', name: '世田谷総合支所区民係' },
  myNumber: { id: 'mynumber-division', name: 'マイナンバー担当課' },
  taxation: { id: 'taxation-division', name: '課税課' },
  schoolAffairs: { id: 'school-affairs-division', name: '学務課' },
  dxPromotion: { id: 'dx-promotion-division', name: 'DX推進担当課' },
  securityOffice: { id: 'information-security-office', name: '情報セキュリティ担当' },
  contractor: { id: 'contractor', name: '委託先' },
} as const satisfies Record<string, Department>;

export const PERSONA_IDS = [
  'registry-clerk',
  'branch-clerk',
  'registry-clerk-nomfa',
  'mynumber-officer',
  'tax-clerk',
  'school-clerk',
  'dx-analyst',
  'security-officer',
  'vendor-operator',
  'revoked-clerk',
  'terminal-manager',
  'security-officer-2',
] as const;
export type PersonaId = (typeof PERSONA_IDS)[number];

export interface Persona {
  readonly id: PersonaId;
  /** Synthetic display name, English. */
  readonly displayName: string;
  readonly department: Department;
  readonly roles: readonly string[];
  readonly defaultPurpose: PurposeId;
  /** Whether the persona signs in with IC card + password (two factors). */
  readonly mfa: boolean;
  /**
   * On the revocation list (policy/revocations.yaml, which is what the gateway and the subgraphs
   * enforce); recorded here so tests can check the persona data and the list agree.
   */
  readonly revoked?: true;
  /** One line for humans: why this persona exists. */
  readonly description: string;
}

export const PERSONAS: readonly Persona[] = [
  {
    id: 'registry-clerk',
    displayName: 'Registry Clerk (synthetic)',
    department: DEPARTMENTS.registry,
    roles: ['clerk'],
    defaultPurpose: 'resident-registry',
    mfa: true,
    description: 'Registry-division clerk doing resident-register work',
  },
  {
    id: 'branch-clerk',
    displayName: 'Branch Clerk (synthetic)',
    department: DEPARTMENTS.setagayaBranch,
    roles: ['clerk'],
    defaultPurpose: 'resident-registry',
    mfa: true,
    description: 'Branch-office resident-section clerk doing resident-register work',
  },
  {
    id: 'registry-clerk-nomfa',
    displayName: 'Registry Clerk without MFA (synthetic)',
    department: DEPARTMENTS.registry,
    roles: ['clerk'],
    defaultPurpose: 'resident-registry',
    mfa: false,
    description: 'Registry-division clerk signed in with a password only',
  },
  {
    id: 'mynumber-officer',
    displayName: 'My Number Officer (synthetic)',
    department: DEPARTMENTS.myNumber,
    roles: ['clerk'],
    defaultPurpose: 'mynumber-card',
    mfa: true,
    description: 'My Number division clerk doing card work',
  },
  {
    id: 'tax-clerk',
    displayName: 'Tax Clerk (synthetic)',
    department: DEPARTMENTS.taxation,
    roles: ['clerk'],
    defaultPurpose: 'local-tax',
    mfa: true,
    description: 'Taxation-division clerk doing local-tax work',
  },
  {
    id: 'school-clerk',
    displayName: 'School Affairs Clerk (synthetic)',
    department: DEPARTMENTS.schoolAffairs,
    roles: ['clerk'],
    defaultPurpose: 'school-enrolment',
    mfa: true,
    description: 'School-affairs clerk sending enrolment notices (not individual-number work)',
  },
  {
    id: 'dx-analyst',
    displayName: 'DX Analyst (synthetic)',
    department: DEPARTMENTS.dxPromotion,
    roles: ['analyst'],
    defaultPurpose: 'statistics',
    mfa: true,
    description: 'DX-promotion analyst building dashboards from aggregates',
  },
  {
    id: 'security-officer',
    displayName: 'Security Officer (synthetic)',
    department: DEPARTMENTS.securityOffice,
    roles: ['security-officer'],
    defaultPurpose: 'audit',
    mfa: true,
    description: 'Information-security officer auditing access',
  },
  {
    id: 'vendor-operator',
    displayName: 'Vendor Operator (synthetic)',
    department: DEPARTMENTS.contractor,
    roles: ['operator'],
    defaultPurpose: 'maintenance',
    mfa: true,
    description: 'Contractor operator doing system maintenance',
  },
  {
    id: 'revoked-clerk',
    displayName: 'Revoked Clerk (synthetic)',
    department: DEPARTMENTS.registry,
    roles: ['clerk'],
    defaultPurpose: 'resident-registry',
    mfa: true,
    revoked: true,
    description: 'Registry-division clerk whose permissions have been revoked',
  },
  {
    id: 'terminal-manager',
    displayName: 'Terminal Manager (synthetic)',
    department: DEPARTMENTS.registry,
    roles: ['approver'],
    defaultPurpose: 'resident-registry',
    mfa: true,
    description: '端末機管理責任者: issues and withdraws bulk-output approvals (promise 7); reads no person data',
  },
  {
    id: 'security-officer-2',
    displayName: 'Second Security Officer (synthetic)',
    department: DEPARTMENTS.securityOffice,
    roles: ['security-officer'],
    defaultPurpose: 'audit',
    mfa: true,
    description: 'The second information-security officer: approves rule changes another officer proposed (promise 4)',
  },
];

export function findPersona(id: string): Persona | undefined {
  return PERSONAS.find((persona) => persona.id === id);
}

export function isPurposeId(id: string): id is PurposeId {
  return (PURPOSE_IDS as readonly string[]).includes(id);
}
