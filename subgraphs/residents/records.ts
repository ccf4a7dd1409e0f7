import type { LegacyDate } from '../../lib/legacy/wareki';
import type {
  CertificateKind,
  CertificateRequester,
  ForeignResidentCategory,
  MovementReason,
  RemovalReason,
  ResidentStatus,
  ResidentType,
  Sex,
  SupportMeasureKind,
} from '../../lib/schema-enums';

/**
 * The clean records the residents adapter returns: legacy-free names and types. Resolvers and
 * loaders work only with these; the legacy column names stay in legacy/adapter.ts.
 */
/** The SDL's enums (generated, lib/schema-enums.ts). */
export type { CertificateKind, CertificateRequester, ForeignResidentCategory, MovementReason, RemovalReason, ResidentStatus, ResidentType, Sex, SupportMeasureKind };

export interface AliasRecord {
  kanji: string;
  kana: string | null;
  recordedOn: LegacyDate | null;
  removedOn: LegacyDate | null;
}

export interface PersonNameRecord {
  kanji: string;
  kana: string | null;
  romaji: string | null;
  formerSurname: string | null;
  formerSurnameKana: string | null;
  alias: AliasRecord | null;
  containsGaiji: boolean;
  gaijiCodes: string[];
}

export interface AddressRecord {
  code: string;
  districtCode: string;
  postalCode: string | null;
  town: string;
  blockNumber: string | null;
  buildingName: string | null;
  full: string;
}

export interface RemovalRecord {
  /** 宛名番号 of the removed person: the destination is withheld under 支援措置 (row-level rule). */
  residentId: string;
  reason: RemovalReason;
  occurredOn: LegacyDate;
  destination: string | null;
}

/** 住民票 (basic info only: the individual number is loaded from its own store). */
export interface ResidentRecord {
  id: string; // 宛名番号
  residentCode: string; // 住民票コード
  householdId: string; // 世帯番号
  memberOrder: number;
  relationshipToHead: { code: string; label: string };
  isHeadOfHousehold: boolean;
  name: PersonNameRecord;
  birthDate: LegacyDate;
  sex: Sex;
  status: ResidentStatus;
  residentType: ResidentType;
  address: AddressRecord;
  becameResidentOn: LegacyDate | null;
  addressSetOn: LegacyDate | null;
  notifiedOn: LegacyDate | null;
  previousAddress: string | null;
  familyRegister: { domicile: string; headName: string } | null;
  onElectoralRoll: boolean;
  removal: RemovalRecord | null;
}

export interface HouseholdRecord {
  id: string; // 世帯番号
  headId: string;
}

export interface ForeignResidentRecord {
  nationality: string;
  category: ForeignResidentCategory;
  residenceStatus: string | null;
  periodOfStay: string | null;
  periodExpiresOn: LegacyDate | null;
  residenceCardNumber: string | null;
  specialPermanentResidentCertificateNumber: string | null;
  becameForeignResidentOn: LegacyDate | null;
}

export interface MovementRecord {
  /** 宛名番号 of the person who moved: the addresses are withheld under 支援措置 (row-level rule). */
  residentId: string;
  sequence: number;
  reason: MovementReason;
  occurredOn: LegacyDate;
  notifiedOn: LegacyDate | null;
  addressBefore: string | null;
  addressAfter: string | null;
}

export interface CertificateIssuanceRecord {
  id: string;
  kind: CertificateKind;
  issuedOn: LegacyDate;
  office: string;
  copies: number;
  requester: CertificateRequester;
}

export interface SupportMeasureRecord {
  active: boolean;
  kind: SupportMeasureKind;
  startsOn: LegacyDate;
  endsOn: LegacyDate | null;
  interim: boolean;
}

export interface ResidentSearchFilter {
  kanaPrefix?: string | null;
  birthDateFrom?: string | null;
  birthDateTo?: string | null;
  status?: ResidentStatus[] | null;
  residentType?: ResidentType | null;
  addressCode?: string | null;
}

export interface ResidentPage {
  residents: ResidentRecord[];
  hasNextPage: boolean;
}

/** A page of the search as the API returns it; the total is counted only when a client selects it. */
export interface ResidentConnectionRecord {
  edges: { cursor: string; node: ResidentRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  countTotal(): Promise<number>;
}

/** One group-by row of the register, for the population statistics. */
export interface PopulationGroup {
  count: number;
}
