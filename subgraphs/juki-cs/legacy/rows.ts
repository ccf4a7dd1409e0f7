/**
 * The CS terminal's rows as knex returns them, one interface per file the adapter reads (市町村CS;
 * layouts in migrations.ts). CHAR/NCHAR columns arrive padded; a nullable column may be null.
 */

/** 本人確認情報 (HONNIN_KAKUNIN): dates are an era letter + YYMMDD. */
export interface HonninKakuninRow {
  JUMINHYO_CD: string; // 住民票コード
  SHICHOSON_CD: string; // 市町村コード
  SHIMEI: string; // 氏名
  SHIMEI_KANA: string | null;
  SEINENGAPPI: string; // 生年月日
  SEIBETSU: string;
  JUSHO: string;
  IDO_JIYU_CD: string; // 異動事由
  IDO_YMD: string | null;
  SOSASHA_ID: string | null; // 操作者ID
  TANMATSU_ID: string | null; // 端末ID
  KOSHIN_NICHIJI: string; // 更新日時 YYYYMMDDHHMMSS
  SAKUJO_FLG: string; // 削除フラグ
  SHIEN_SOCHI_FLG: string | null; // 支援措置対象者フラグ
}

/** 個人番号 (CS_KOJIN_BANGO), kept apart from the identity file. */
export interface CsKojinBangoRow {
  JUMINHYO_CD: string;
  KOJIN_NO: string;
}
