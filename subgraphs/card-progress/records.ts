import type { LegacyDate } from '../../lib/legacy/wareki';
import type { CardStatus, ReservationState } from '../../lib/schema-enums';

/**
 * The clean records the card-progress adapter returns: legacy-free names and types. Resolvers and
 * loaders work only with these; the legacy column names stay in legacy/adapter.ts.
 */
/** The SDL's enums (generated, lib/schema-enums.ts). */
export type { CardStatus, ReservationState };

/** 交付場所 (an office of the ward where cards are handed over). */
export interface OfficeRecord {
  code: string;
  name: string;
}

/** The Resident entity as this subgraph knows it: only the key. The register owns the rest. */
export interface ResidentReference {
  id: string; // 宛名番号
  /** From the register (@requires): the 支援措置 row rule withholds this person's location from the caller. */
  locationWithheld?: boolean | null;
}

/** 個人番号カード: one application and its current state. */
export interface CardRecord {
  applicationId: string; // 申請書ID
  residentId: string; // 宛名番号
  status: CardStatus;
  appliedOn: LegacyDate;
  issuingOffice: OfficeRecord | null;
}

/** 進捗履歴: one step of an application's progress. */
export interface CardEventRecord {
  sequence: number;
  status: CardStatus;
  /** ISO 8601 with the JST offset: 2024-04-01T09:30:00+09:00. */
  occurredAt: string;
  office: OfficeRecord | null;
}

/** 交付予約 (made through the card reservation system). */
export interface CardReservationRecord {
  /** ISO 8601 with the JST offset. */
  scheduledAt: string;
  office: OfficeRecord;
  state: ReservationState;
}

/** Group-by rows of the applications, for the issuance statistics: counts only, never a person. */
export interface ApplicationGroups {
  /** status is null for a code the adapter does not know (counted, not invented). */
  byStatus: { status: CardStatus | null; count: number }[];
  /** office is null for applications without an issuing office yet. */
  byOffice: { office: OfficeRecord | null; count: number }[];
}
