/**
 * The policy set's shape: what policy/*.yaml become once read and checked (lib/policy/compile.ts).
 * Typed and immutable; the gateway, the subgraphs and the audit read these, never the YAML.
 */
import type { PolicyName } from '../authorization/types';

/** Where a rule came from, for messages and for the audit export (promise 14). */
export interface SourcePosition {
  /** The file as shown in messages: relative to the repository root when inside it (`policy/policies.yaml`). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export type MfaRequirement = 'required' | 'optional';

/**
 * One `allow:` entry. Every condition that is present must hold; `null` means "any".
 * A principal matches a list when it has (or is) one of its entries.
 */
export interface Grant {
  readonly roles: readonly string[] | null;
  readonly departments: readonly string[] | null;
  readonly purposes: readonly string[] | null;
  readonly mfa: MfaRequirement;
  /**
   * A named mask (policies.yaml `masks`): the grant allows the policy's fields MASKED only (a
   * counter check sees `********5148`, never all twelve digits). null: in full.
   */
  readonly mask: string | null;
  readonly source: SourcePosition;
}

/**
 * policies.yaml `masks`: how a masked grant shows a value. Every character but the last
 * `keepLast` is replaced by `*`, the length kept (`123456785148` → `********5148`); see
 * lib/authorization/mask.ts.
 */
export interface MaskEntry {
  readonly name: string;
  readonly description: string;
  /** Characters kept at the end. */
  readonly keepLast: number;
  readonly source: SourcePosition;
}

export const POLICY_CLASSIFICATIONS = ['individual-number', 'personal', 'personal-sensitive', 'aggregate'] as const;
/** What a policy protects; `individual-number` carries extra checks (promises 1 and 4). */
export type PolicyClassification = (typeof POLICY_CLASSIFICATIONS)[number];

export interface PolicyEntry {
  readonly name: PolicyName;
  readonly description: string;
  readonly classification: PolicyClassification;
  readonly allow: readonly Grant[];
  readonly source: SourcePosition;
}

export interface RowPolicy {
  readonly description: string;
  readonly allow: readonly Grant[];
  readonly source: SourcePosition;
}

export interface PurposeEntry {
  readonly id: string;
  /** The 事務 as the ward writes it. */
  readonly name: string;
  readonly legalBasis: readonly string[];
  /** 個人番号利用事務: only such purposes may be granted an `individual-number` policy. */
  readonly individualNumberWork: boolean;
  /** The request must name its case (案件番号); enforced by the audit issue. */
  readonly caseReferenceRequired: boolean;
  readonly source: SourcePosition;
}

export interface DepartmentEntry {
  readonly id: string;
  readonly name: string;
  /** The purposes (事務) this department is registered for. */
  readonly purposes: readonly string[];
  /** 庁内連携 (移転) with its legal basis (promise 8); null for the register's own departments and others. */
  readonly inHouseLinkage: { readonly legalBasis: readonly string[] } | null;
  readonly source: SourcePosition;
}

export interface RoleEntry {
  readonly id: string;
  readonly description: string;
  readonly source: SourcePosition;
}

export interface Revocation {
  readonly subject: string;
  /** ISO 8601 as written in the file. */
  readonly revokedAt: string;
  readonly reason: string;
  readonly approvedBy: string;
  readonly source: SourcePosition;
}

/** The header every rule file carries (promise 4: a second officer approves every change). */
export interface PolicyFileHeader {
  readonly file: string;
  /** The officers' own change number (`version:` in the file). */
  readonly version: string;
  readonly author: string;
  readonly approvedBy: string;
  /** sha256 of the file's bytes. */
  readonly sha256: string;
}

export const COST_MODES = ['enforce', 'measure'] as const;
/** enforce: refuse an operation over its budget; measure: answer it, log and record estimate and budget. */
export type CostMode = (typeof COST_MODES)[number];

/** What one user may ask of the gateway (limits.yaml): a profile, or the defaults (no conditions). */
export interface LimitProfile {
  /** `default` for the defaults. */
  readonly id: string;
  /** Conditions as in a grant (null = any); all null for the defaults. */
  readonly roles: readonly string[] | null;
  readonly departments: readonly string[] | null;
  readonly purposes: readonly string[] | null;
  /** The largest estimated cost of one operation (@cost/@listSize). */
  readonly costBudget: number;
  readonly costMode: CostMode;
  /** Requests per rolling minute, per user. */
  readonly requestsPerMinute: number;
  /** Requests of one user in progress at once. */
  readonly concurrentRequests: number;
  readonly source: SourcePosition;
}

export interface LimitPolicy {
  readonly defaults: LimitProfile;
  /** In file order: the first that matches a principal applies. */
  readonly profiles: readonly LimitProfile[];
}

export interface PolicySet {
  /** sha256 over the rule files' names and bytes: changes whenever any file changes. */
  readonly version: string;
  /** Absolute path of the folder the rules were read from. */
  readonly dir: string;
  readonly files: readonly PolicyFileHeader[];
  readonly purposes: ReadonlyMap<string, PurposeEntry>;
  readonly departments: ReadonlyMap<string, DepartmentEntry>;
  readonly roles: ReadonlyMap<string, RoleEntry>;
  /** Exactly one entry per POLICY_NAMES name. */
  readonly policies: ReadonlyMap<PolicyName, PolicyEntry>;
  /** Named masks a grant may apply (policies.yaml `masks`; empty when the file has none). */
  readonly masks: ReadonlyMap<string, MaskEntry>;
  readonly rowRules: { readonly supportMeasure: RowPolicy };
  readonly introspection: { readonly roles: readonly string[]; readonly allowInProduction: boolean };
  /** Revoked token subjects (`sub`), from the HR system. */
  readonly revocations: ReadonlyMap<string, Revocation>;
  /** Cost budgets, rate and concurrency limits per user (limits.yaml). */
  readonly limits: LimitPolicy;
  /** Bulk output (大量出力, promise 7): persons per user, purpose and day; approvals' ceilings (bulk-output.yaml). */
  readonly bulkOutput: BulkOutputPolicy;
}

/** One purpose's daily budget of distinct persons per user (bulk-output.yaml `purposes`). */
export interface BulkOutputBudget {
  readonly purpose: string;
  readonly personsPerDay: number;
  readonly source: SourcePosition;
}

/** bulk-output.yaml: what a user may receive without the terminal manager's prior approval. */
export interface BulkOutputPolicy {
  /** The ward's clock the day is counted on, as written (`+09:00`), and in minutes east of UTC. */
  readonly utcOffset: string;
  readonly utcOffsetMinutes: number;
  /** Budget of a purpose not listed in `purposes`. */
  readonly defaultPersonsPerDay: number;
  readonly purposes: ReadonlyMap<string, BulkOutputBudget>;
  /** Ceilings on one approval (端末機管理責任者の承認): persons, and days from validFrom to validTo. */
  readonly approvals: { readonly maxPersons: number; readonly maxDays: number };
  readonly source: SourcePosition;
}
