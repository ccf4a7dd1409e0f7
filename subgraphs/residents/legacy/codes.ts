import { codeTable } from '../../../lib/legacy/code-table';
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
} from '../../../lib/schema-enums';

/**
 * The resident record system's code columns (住民記録システム), each table once: the adapter
 * decodes with it, the seed writer encodes with it (lib/legacy/code-table.ts). The codes are those
 * in the migration's column comments; an undocumented code fails the row's key.
 */

/** 性別 1 男 2 女. */
export const SEX = codeTable<Sex>('JUMIN_KIHON.SEIBETSU', { MALE: '1', FEMALE: '2' });

/** 住民種別 1 日本人 2 外国人. */
export const RESIDENT_TYPE = codeTable<ResidentType>('JUMIN_KIHON.JUMIN_SHUBETSU', { JAPANESE: '1', FOREIGN: '2' });

/** 住民状態 0 住民 1 転出 2 死亡 3 職権消除: an unknown code never reads as 住民 (living in the ward). */
export const RESIDENT_STATUS = codeTable<ResidentStatus>('JUMIN_KIHON.JUMIN_JOTAI', { RESIDENT: '0', MOVED_OUT: '1', DECEASED: '2', ERASED: '3' });

/** 消除事由 11 転出 21 死亡 31 職権消除. */
export const REMOVAL_REASON = codeTable<RemovalReason>('JUMIN_KIHON.SHOJO_JIYU_CD', { MOVED_OUT: '11', DECEASED: '21', ERASED: '31' });

/**
 * 続柄コード → the label the 住民票 writes. The migration does not list them; 妻（未届） is '14'.
 * The register's vocabulary is the label (the API returns code and label), so the values are labels.
 */
export const RELATIONSHIP = codeTable('JUMIN_KIHON.ZOKUGARA_CD', {
  世帯主: '01',
  妻: '02',
  夫: '03',
  子: '04',
  父: '05',
  母: '06',
  孫: '07',
  兄弟姉妹: '08',
  祖父母: '09',
  子の配偶者: '10',
  妻の父母: '11',
  縁故者: '12',
  同居人: '13',
  '妻（未届）': '14',
  その他: '99',
});

/** A 続柄 as the 住民票 writes it. */
export type RelationshipLabel = Parameters<typeof RELATIONSHIP.encode>[0];

/** The 続柄 of the head of household (世帯主). */
export const HEAD_OF_HOUSEHOLD_CODE = RELATIONSHIP.encode('世帯主');

/** 異動事由コード (IDO_RIREKI). */
export const MOVEMENT_REASON = codeTable<MovementReason>('IDO_RIREKI.IDO_JIYU_CD', {
  MOVE_IN: '01', // 転入
  MOVE_WITHIN: '02', // 転居
  MOVE_OUT: '03', // 転出
  BIRTH: '04', // 出生
  DEATH: '05', // 死亡
  HOUSEHOLD_CHANGE: '06', // 世帯変更
  EX_OFFICIO_ENTRY: '07', // 職権記載
  EX_OFFICIO_ERASURE: '08', // 職権消除
});

/** 証明書種別コード (SHOMEI_HAKKO_RIREKI). */
export const CERTIFICATE_KIND = codeTable<CertificateKind>('SHOMEI_HAKKO_RIREKI.SHOMEI_SHUBETSU_CD', {
  RESIDENT_RECORD_COPY: '01', // 住民票の写し
  RECORD_ITEMS_CERTIFICATE: '02', // 住民票記載事項証明書
  REMOVED_RECORD_COPY: '03', // 除票の写し
  SEAL_CERTIFICATE: '04', // 印鑑登録証明書
});

/** 請求者区分 (SHOMEI_HAKKO_RIREKI). */
export const CERTIFICATE_REQUESTER = codeTable<CertificateRequester>('SHOMEI_HAKKO_RIREKI.SEIKYUSHA_KBN', {
  SELF: '1', // 本人
  HOUSEHOLD_MEMBER: '2', // 同一世帯員
  PROXY: '3', // 代理人
  THIRD_PARTY: '4', // 第三者
  OFFICIAL: '5', // 公用
});

/** 支援措置区分 (SHIEN_SOCHI). */
export const SUPPORT_MEASURE_KIND = codeTable<SupportMeasureKind>('SHIEN_SOCHI.SOCHI_KBN', {
  DOMESTIC_VIOLENCE: '1', // DV
  STALKING: '2', // ストーカー行為等
  CHILD_ABUSE: '3', // 児童虐待等
  OTHER: '9', // その他
});

/** 法第30条の45 区分 (GAIKOKUJIN). */
export const FOREIGN_CATEGORY = codeTable<ForeignResidentCategory>('GAIKOKUJIN.HO30_45_KBN', {
  MID_TO_LONG_TERM: '1', // 中長期在留者
  SPECIAL_PERMANENT: '2', // 特別永住者
  TEMPORARY_REFUGE: '3', // 一時庇護許可者
  PROVISIONAL_STAY: '4', // 仮滞在許可者
  TRANSITIONAL_STAY: '5', // 経過滞在者
});
