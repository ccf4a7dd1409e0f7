import type {
  CardStatus,
  CertificateKind,
  CertificateRequester,
  CodeStatus,
  ForeignResidentCategory,
  IdentityChangeReason,
  MovementReason,
  ProvisionResult,
  RemovalReason,
  ReservationState,
  ResidentStatus,
  ResidentType,
  Sex,
  SupportMeasureKind,
} from '../schema-enums';

/**
 * The synthetic world, before any legacy system sees it: persons and households with English
 * names, ISO dates and enums. The seed writers of the four legacy systems map this model to
 * their own tables, codes and date formats; nothing here knows a column name.
 *
 * Identifiers (宛名番号, 住民票コード, 個人番号 …) are part of the world, not of one system:
 * they are what links the systems, so every writer must see the same value.
 */

/** YYYY-MM-DD. Always a real calendar day, except where a RecordedDate plants an odd one. */
export type IsoDate = string;
/** YYYY-MM-DDTHH:MM:SS, Japan local time (the legacy systems keep no offset). */
export type LocalDateTime = string;

/**
 * The day the synthetic register is "as of". Fixed, never the clock: the same seed must give
 * the same databases on any day. Support measures, card reservations and residence periods are
 * laid out around it.
 */
export const REFERENCE_DATE: IsoDate = '2026-11-01';

export type Era = 'MEIJI' | 'TAISHO' | 'SHOWA' | 'HEISEI' | 'REIWA';

/**
 * The enums the API exposes, from the SDL (generated into lib/schema-enums.ts by `npm run codegen`):
 * the world speaks the API's vocabulary, and the seed writers' code tables map it to each system's
 * codes. ResidentStatus: 住民, or one of the three kinds of 除票.
 */
export type {
  CardStatus,
  CertificateKind,
  CertificateRequester,
  CodeStatus,
  IdentityChangeReason,
  MovementReason,
  ProvisionResult,
  RemovalReason,
  ReservationState,
  ResidentStatus,
  ResidentType,
  Sex,
  SupportMeasureKind,
};
/** 法第30条の45 区分 (the SDL's ForeignResidentCategory). */
export type ForeignCategory = ForeignResidentCategory;

/**
 * A date as a register holds it, oddities included (the standard requires accepting them):
 *  - `value` 'YYYY-MM-DD', 'YYYY-MM' (day unknown), 'YYYY' (month unknown) or null (年月日不詳);
 *    it may be a day the calendar lacks ('1978-02-29'), copied from a paper record;
 *  - `approximate`: 頃;
 *  - `era`: on an era's changeover day both eras are real (明治45年7月30日 = 大正元年7月30日),
 *    so the record says which one was written. Undefined: the era in force.
 */
export interface RecordedDate {
  value: string | null;
  approximate: boolean;
  era?: Era;
}


/** 続柄 (relationship to the head of household), as written on the 住民票. */
export type Relationship =
  | 'HEAD' // 世帯主
  | 'WIFE' // 妻
  | 'HUSBAND' // 夫
  | 'COMMON_LAW_WIFE' // 妻（未届）
  | 'CHILD' // 子
  | 'FATHER' // 父
  | 'MOTHER' // 母
  | 'GRANDCHILD' // 孫
  | 'CHILDS_WIFE' // 子の妻
  | 'CHILDS_HUSBAND' // 子の夫
  | 'YOUNGER_BROTHER' // 弟
  | 'YOUNGER_SISTER' // 妹
  | 'WIFES_MOTHER' // 妻の母
  | 'LODGER'; // 同居人

export type NameScript = 'KANJI' | 'LATIN';

export interface PersonName {
  /** Surname as registered: kanji (may hold 外字) or, for LATIN names, upper-case letters. */
  family: string;
  given: string;
  /** Full-width katakana reading. */
  familyKana: string;
  givenKana: string;
  /** Hepburn romaji, upper case; null when the register keeps none. */
  familyRomaji: string | null;
  givenRomaji: string | null;
  script: NameScript;
}

/** 旧氏 (former surname registered on the 住民票 since 2019). */
export interface FormerSurname {
  kanji: string;
  kana: string;
}

/** 通称 (alias), mostly of foreign residents. */
export interface Alias {
  kanji: string;
  kana: string;
  recordedOn: IsoDate;
  removedOn: IsoDate | null;
}

export interface Address {
  /** 4-digit town code of the ward's address table. */
  townCode: string;
  chome: number;
  /** 6 digits: town + 2-digit chōme (住所コード). */
  code: string;
  postalCode: string;
  /** '東京都世田谷区太子堂二丁目'. */
  town: string;
  /** 番地, full-width digits as written on the register: '３番１２号'. */
  block: string;
  /** 方書 (building and room), or null. */
  building: string | null;
}

/** 本籍・筆頭者 (Japanese residents only). */
export interface FamilyRegister {
  domicile: string;
  headName: string;
}

export interface ForeignResidency {
  nationality: string;
  category: ForeignCategory;
  /** 在留資格; null for special permanent residents and the transitional categories. */
  residenceStatus: string | null;
  /** 在留期間, e.g. '３年', '無期限'. */
  periodOfStay: string | null;
  /** 在留期間の満了の日. */
  periodExpiresOn: IsoDate | null;
  /** 在留カードの番号: 2 letters, 8 digits, 2 letters. */
  residenceCardNumber: string | null;
  /** 特別永住者証明書の番号 (same shape). */
  specialPermanentCertificateNumber: string | null;
  /** 外国人住民となった年月日. */
  becameForeignResidentOn: IsoDate;
}

export interface Removal {
  reason: RemovalReason;
  occurredOn: IsoDate;
  notifiedOn: IsoDate;
  /** 転出先 (MOVED_OUT only). */
  destination: string | null;
}

export interface Movement {
  reason: MovementReason;
  occurredOn: IsoDate;
  notifiedOn: IsoDate | null;
  /** Address before (for 転入: the previous municipality). */
  from: string | null;
  /** Address after (for 転出: the destination). */
  to: string | null;
  recordedAt: LocalDateTime;
}

export interface CertificateIssuance {
  /** 12-digit issuance number, unique across the ward. */
  number: string;
  kind: CertificateKind;
  issuedOn: IsoDate;
  officeCode: string;
  copies: number;
  requester: CertificateRequester;
}

/** 支援措置. Term one year; interim measures have no end date yet. */
export interface SupportMeasure {
  kind: SupportMeasureKind;
  startsOn: IsoDate;
  endsOn: IsoDate | null;
  interim: boolean;
  /** The named perpetrator (synthetic), recorded for refusals. */
  perpetratorName: string | null;
}

/** 印鑑登録. */
export interface SealRegistration {
  number: string;
  registeredOn: IsoDate;
  abolishedOn: IsoDate | null;
}

export interface IndividualNumber {
  value: string;
  /** 指定年月日. */
  designatedOn: IsoDate;
}

/** The CS's view of the last identity change, with who made it. */
export interface IdentityRecord {
  lastChange: IdentityChangeReason;
  changedOn: IsoDate;
  operatorId: string;
  terminalId: string;
  updatedAt: LocalDateTime;
  /** 送付先情報 (card mailing) created on this day; only recent ones survive (retention). */
  mailingCreatedOn: IsoDate | null;
}

/** 情報提供等記録: one query from an outside body and the ward's answer. */
export interface ProvisionRecord {
  id: string;
  requestedAt: LocalDateTime;
  requesterCode: string;
  /** 番号法 別表第二 item (項) number. */
  legalBasisItem: number;
  items: string[];
  result: ProvisionResult;
  autoResponse: boolean;
}

/** The person on the intermediate server (中間サーバ). */
export interface Linkage {
  /** 団体内統合宛名番号, 15 digits. */
  integratedAddressNumber: string;
  codeStatus: CodeStatus;
  codeAcquiredAt: LocalDateTime | null;
  /** 自動応答不可フラグ. */
  noAutoResponse: boolean;
  updatedAt: LocalDateTime;
  provisions: ProvisionRecord[];
}

export interface CardEvent {
  status: CardStatus;
  occurredAt: LocalDateTime;
  officeCode: string | null;
}

export interface CardApplication {
  /** 申請書ID, 16 digits. */
  applicationId: string;
  appliedOn: IsoDate;
  status: CardStatus;
  /** 交付場所. */
  officeCode: string;
  /** Oldest first; the last one is `status`. */
  events: CardEvent[];
  reservation: { scheduledAt: LocalDateTime; officeCode: string; state: ReservationState } | null;
  updatedAt: LocalDateTime;
}

export interface Person {
  /** 宛名番号: 10 digits, modulus-11 check digit. */
  addressNumber: string;
  /** 住民票コード: 11 digits. */
  residentCode: string;
  individualNumber: IndividualNumber | null;
  householdNumber: string;
  /** 1-based order of the member in the household. */
  memberOrder: number;
  relationship: Relationship;
  name: PersonName;
  formerSurname: FormerSurname | null;
  alias: Alias | null;
  birth: RecordedDate;
  sex: Sex;
  residentType: ResidentType;
  foreign: ForeignResidency | null;
  familyRegister: FamilyRegister | null;
  status: ResidentStatus;
  /** Current address; for removed persons the last address in the ward. */
  address: Address;
  becameResidentOn: IsoDate;
  addressSetOn: IsoDate;
  notifiedOn: IsoDate;
  /** 転入前住所 (outside the ward); null when born in the ward. */
  previousAddress: string | null;
  onElectoralRoll: boolean;
  removal: Removal | null;
  /** Oldest first. */
  movements: Movement[];
  /** Oldest first. */
  certificates: CertificateIssuance[];
  supportMeasures: SupportMeasure[];
  sealRegistrations: SealRegistration[];
  identity: IdentityRecord;
  linkage: Linkage | null;
  card: CardApplication | null;
  updatedAt: LocalDateTime;
  /** How an old system recorded this person: the kana in half-width katakana. */
  halfWidthKana: boolean;
}

export interface Household {
  /** 世帯番号: 10 digits, modulus-11 check digit. */
  householdNumber: string;
  headAddressNumber: string;
  /** 世帯構成年月日. */
  formedOn: IsoDate;
  /** In member order; removed members keep their place. */
  members: Person[];
  updatedAt: LocalDateTime;
}

export interface Office {
  /** The ward's 3-character counter code, shared by the register and the card system. */
  code: string;
  name: string;
  /** Counters that hand over My Number cards. */
  issuesCards: boolean;
}

export interface OutsideBody {
  /** 6-character body code (local-government code for municipalities). */
  code: string;
  name: string;
  /** 別表第二 items under which this body queries 住民票関係情報. */
  legalBasisItems: number[];
}

/** Full kanji name as the register writes it: a full-width space between the parts. */
export function fullName(name: PersonName): string {
  return name.script === 'LATIN' ? `${name.family} ${name.given}` : `${name.family}\u3000${name.given}`;
}

export function fullKana(name: PersonName): string {
  return `${name.familyKana}\u3000${name.givenKana}`;
}

export function fullRomaji(name: PersonName): string | null {
  return name.familyRomaji === null || name.givenRomaji === null ? null : `${name.familyRomaji} ${name.givenRomaji}`;
}

/** The address in one line, as the CS and the mailing file hold it (no 方書). */
export function addressLine(address: Address): string {
  return address.town + address.block;
}

/** The address in one line with 方書, as movement history records it. */
export function addressWithBuilding(address: Address): string {
  return address.building ? `${address.town}${address.block}\u3000${address.building}` : addressLine(address);
}

/** A support measure (支援措置) is in force on the reference day: the seed writers and the generator agree on it. */
export function supportInForce(measures: readonly SupportMeasure[]): boolean {
  return measures.some((m) => m.startsOn <= REFERENCE_DATE && (m.endsOn === null || m.endsOn >= REFERENCE_DATE));
}
