import type { LegacyDate } from '../../lib/legacy/wareki';
import type { IdentityChangeReason, Sex } from '../../lib/schema-enums';

/**
 * The clean records the juki-cs adapter returns: legacy-free names and types. Resolvers and
 * loaders work only with these; the legacy column names stay in legacy/adapter.ts.
 */
/** The SDL's enums (generated, lib/schema-enums.ts). */
export type { IdentityChangeReason, Sex };

/**
 * 本人確認情報 (identity info only: the individual number is loaded from its own store).
 * Removed persons (消除者) are identity records too: `changeReason` says why they left.
 */
export interface IdentityRecord {
  residentCode: string; // 住民票コード
  municipalityCode: string; // 市町村コード
  name: string; // 氏名, 外字 unchanged
  nameKana: string | null; // full-width katakana
  birthDate: LegacyDate;
  sex: Sex;
  address: string;
  changeReason: IdentityChangeReason;
  changedOn: LegacyDate | null;
  operatorId: string | null;
  terminalId: string | null;
  updatedAt: string | null; // ISO 8601, Japan time
  removed: boolean; // 削除フラグ (消除者); not in the SDL, changeReason tells the client
  supportMeasure: boolean; // 支援措置対象者フラグ: identity items withheld from callers without supportMeasureRecords
}

/** A Resident as the CS knows it: only the federation key, which the register owns. */
export interface ResidentReference {
  residentCode: string;
}

/**
 * 4情報検索 criteria, already validated and trimmed (null = not given). `birthDate` is ISO
 * YYYY-MM-DD; the adapter turns it into the CS's letter-era form.
 */
export interface IdentitySearchFilter {
  name: string | null;
  nameKana: string | null;
  birthDate: string | null;
  sex: Sex | null;
  address: string | null;
}

export interface IdentitySearchPage {
  identities: IdentityRecord[];
  truncated: boolean;
}
