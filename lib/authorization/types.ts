/**
 * The authorization contract shared by the gateway (first line) and the subgraphs (second line).
 * Rules are data (policy/*.yaml, owned by security officers); classifications are in the SDL
 * (federation's @authenticated / @requiresScopes / @policy); this file names what both produce.
 */

/** The policy names the SDL may use in @policy; each must have a rule in policy/policies.yaml. */
export const POLICY_NAMES = [
  'person_basic', // 基本4情報など: name, birth date, sex, address, household, status
  'person_register', // 住民票のその他の記載事項: history, family register, removal, foreign-resident items
  'individual_number', // 個人番号
  'foreign_resident_card', // 在留カード番号・特別永住者証明書番号
  'cs_identity', // 本人確認情報 (市町村CS)
  'information_linkage', // 中間サーバ: 団体内統合宛名番号, 符号, 情報提供等記録
  'card_progress', // 個人番号カード交付進捗
  'support_measure', // 支援措置
  'statistics', // aggregates for dashboards; no person-level data
  'audit_trail', // 監査証跡: who accessed which person's data (security officers only)
  'bulk_approval', // 大量出力の事前承認: bulk-output approvals (端末機管理責任者 only; no person data)
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** How a masked grant shows a value (policies.yaml `masks`; applied by lib/authorization/mask.ts). */
export interface MaskRule {
  /** The mask's name in policies.yaml (the audit names it). */
  readonly name: string;
  /** Characters kept at the end; the rest become `*`. */
  readonly keepLast: number;
}

/** Who is asking, as verified from the token (and the declared purpose, 事務). */
export interface Principal {
  subject: string;
  departmentId: string;
  roles: readonly string[];
  /** The declared purpose of this request (事務): `purpose` claim or the X-Purpose header. */
  purpose: string;
  /** Two factors (IC card + password). */
  mfa: boolean;
  /** OAuth scopes from the token, for @requiresScopes. */
  scopes: readonly string[];
}

/**
 * What a principal may read under the rules in force: computed once per request, cached by `key`.
 * Two principals with the same profile key get the same decisions (and share nothing else).
 */
export interface PermissionProfile {
  /** Stable hash of everything decisions depend on (granted policies, scopes, rule version). */
  key: string;
  ruleVersion: string;
  granted: ReadonlySet<string>;
  /**
   * Granted policies the profile may read MASKED only (every matching grant has `mask:`), with
   * the mask that applies; a policy granted in full by any matching grant is not here.
   */
  masked: ReadonlyMap<string, MaskRule>;
  /** For each policy NOT granted: why, in words a clerk's app can show ("requires MFA"). */
  denials: ReadonlyMap<string, string>;
  scopes: ReadonlySet<string>;
  /** May run __schema / __type. */
  introspection: boolean;
  /** May see address and identity fields of a person under 支援措置. */
  supportMeasureRecords: boolean;
}

export type ProfileRefusal =
  | { reason: 'REVOKED'; message: string } // → HTTP 401
  | { reason: 'UNKNOWN_DEPARTMENT'; message: string } // → HTTP 403
  | { reason: 'UNKNOWN_PURPOSE'; message: string } // → HTTP 400
  | { reason: 'PURPOSE_NOT_REGISTERED'; message: string }; // → HTTP 400

/** A field's classification, read from @authenticated / @requiresScopes / @policy. */
export interface FieldClassification {
  /** `Type.field` */
  coordinate: string;
  authenticated: boolean;
  /** @requiresScopes(scopes: [[…]]): OR of ANDs; null when absent. */
  scopes: string[][] | null;
  /** @policy(policies: [[…]]): OR of ANDs; null when absent. */
  policies: string[][] | null;
}

/** The error code Apollo Router and Hive Gateway use for a removed field. */
export const UNAUTHORIZED_FIELD_CODE = 'UNAUTHORIZED_FIELD_OR_TYPE';
/** Row-level refusal (支援措置) raised by a subgraph. */
export const SUPPORT_MEASURE_RESTRICTED_CODE = 'SUPPORT_MEASURE_RESTRICTED';
