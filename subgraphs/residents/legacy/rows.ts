/**
 * The resident record system's rows as knex returns them, one interface per table the adapter
 * reads (住民記録システム; layouts in migrations.ts). CHAR/NCHAR columns arrive padded; a nullable
 * column may also be null. Only the columns the adapter selects are declared.
 */

/** 住民基本 (JUMIN_KIHON): one row per person, living or removed (除票). */
export interface JuminKihonRow {
  ATENA_NO: string; // 宛名番号
  JUMINHYO_CD: string; // 住民票コード
  SETAI_NO: string; // 世帯番号
  SETAI_JUN: number; // 世帯員の並び順
  ZOKUGARA_CD: string; // 続柄コード
  SHIMEI_KANJI: string; // 氏名
  SHIMEI_KANA: string | null;
  SHIMEI_ROMA: string | null;
  KYUUJI_KANJI: string | null; // 旧氏
  KYUUJI_KANA: string | null;
  TSUSHO_KANJI: string | null; // 通称
  TSUSHO_KANA: string | null;
  TSUSHO_KISAI_YMD: string | null;
  TSUSHO_SAKUJO_YMD: string | null;
  SEINENGAPPI_WA: string | null; // 和暦 GYYMMDD (Japanese residents)
  SEINENGAPPI_SEI: string | null; // 西暦 YYYYMMDD (foreign residents)
  SEINENGAPPI_FUSHO: string | null; // 生年月日不詳区分
  SEIBETSU: string;
  JUMIN_SHUBETSU: string;
  JUMIN_JOTAI: string;
  JUSHO_CD: string;
  YUBIN_NO: string | null;
  JUSHO: string;
  BANCHI: string | null;
  KATAGAKI: string | null; // 方書
  JUMIN_YMD: string | null;
  JUSHO_TEI_YMD: string | null;
  TODOKEDE_YMD: string | null;
  ZEN_JUSHO: string | null;
  HONSEKI: string | null; // 本籍
  HITTOSHA: string | null; // 筆頭者
  SENKYO_FLG: string | null;
  SHOJO_JIYU_CD: string | null; // 消除事由
  SHOJO_YMD: string | null;
  TENSHUTSU_SAKI: string | null;
}

/** 個人番号 (KOJIN_BANGO), kept apart from JUMIN_KIHON. */
export interface KojinBangoRow {
  ATENA_NO: string;
  KOJIN_NO: string;
}

/** 世帯 (SETAI). */
export interface SetaiRow {
  SETAI_NO: string;
  SETAINUSHI_ATENA_NO: string;
}

/** 外国人住民 (GAIKOKUJIN): western dates YYYYMMDD. */
export interface GaikokujinRow {
  ATENA_NO: string;
  KOKUSEKI: string;
  HO30_45_KBN: string;
  ZAIRYU_SHIKAKU: string | null;
  ZAIRYU_KIKAN: string | null;
  ZAIRYU_MANRYO_YMD: string | null;
  ZAIRYU_CARD_NO: string | null;
  TOKUEI_SHOMEISHO_NO: string | null;
  GAIKOKUJIN_YMD: string | null;
}

/** 異動履歴 (IDO_RIREKI). */
export interface IdoRirekiRow {
  ATENA_NO: string;
  IDO_SEQ: number;
  IDO_JIYU_CD: string;
  IDO_YMD: string;
  TODOKEDE_YMD: string | null;
  IDO_MAE_JUSHO: string | null;
  IDO_GO_JUSHO: string | null;
}

/** 証明書発行履歴 (SHOMEI_HAKKO_RIREKI) with the office name joined from BASHO_MST (null when the master lacks it). */
export interface ShomeiHakkoRow {
  HAKKO_NO: string;
  ATENA_NO: string;
  SHOMEI_SHUBETSU_CD: string;
  HAKKO_YMD: string;
  HAKKO_BASHO_CD: string;
  BASHO_MEI: string | null;
  TSUSU: number;
  SEIKYUSHA_KBN: string;
}

/** 支援措置 (SHIEN_SOCHI); the perpetrator's name is never selected. */
export interface ShienSochiRow {
  ATENA_NO: string;
  SOCHI_SEQ: number;
  SOCHI_KBN: string;
  KAISHI_YMD: string;
  SHURYO_YMD: string | null;
  KARI_FLG: string;
}

/** A group-by row: the grouped columns and the count (a string on some drivers). */
export type CountRow<Columns> = Columns & { n: number | string };
