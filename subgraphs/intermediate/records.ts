import type { CodeStatus, ProvisionResult } from '../../lib/schema-enums';

/**
 * The clean records the intermediate-server adapter returns: legacy-free names and types.
 * Resolvers and loaders work only with these; the legacy column names stay in legacy/adapter.ts.
 */
/** The SDL's enums (generated, lib/schema-enums.ts). */
export type { CodeStatus, ProvisionResult };

/** A Resident as this subgraph knows it: only the register's key (宛名番号). */
export interface ResidentReference {
  id: string; // 宛名番号
  /** From the register (@requires): the 支援措置 row rule withholds this person's location from the caller. */
  locationWithheld?: boolean | null;
}

/** 団体内統合宛名: one person's linkage to the 符号 of the information-provision network. */
export interface LinkageRecord {
  integratedAddressNumber: string; // 団体内統合宛名番号
  residentId: string; // 宛名番号 of the resident record system
  codeStatus: CodeStatus;
  /** ISO 8601 with the +09:00 offset, or null when none is recorded. */
  codeAcquiredAt: string | null;
  noAutoResponse: boolean; // 自動応答不可フラグ
}

/** 情報提供等記録: one query from another body and the ward's answer. */
export interface ProvisionRecord {
  id: string;
  /** ISO 8601 with the +09:00 offset. */
  requestedAt: string;
  requester: string;
  legalBasis: string;
  items: string[];
  result: ProvisionResult;
  autoResponse: boolean;
}
