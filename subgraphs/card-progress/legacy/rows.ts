/**
 * The card issuance progress system's rows as knex returns them, one interface per table the
 * adapter reads (layouts in migrations.ts). CHAR/NCHAR columns arrive padded; a nullable column
 * may be null. BASHO_MEI is joined from KOFU_BASHO_MST (null when the master lacks the office).
 */

/** 申請 (CARD_SHINSEI). */
export interface CardShinseiRow {
  SHINSEI_ID: string; // 申請書ID
  ATENA_NO: string; // 宛名番号
  SHINSEI_YMD: string; // 申請日 (西暦)
  GENKO_JOTAI_CD: string; // 現在の状態
  KOFU_BASHO_CD: string | null; // 交付場所
  BASHO_MEI: string | null;
}

/** 進捗履歴 (CARD_SHINCHOKU). */
export interface CardShinchokuRow {
  SHINSEI_ID: string;
  RIREKI_SEQ: number;
  JOTAI_CD: string;
  JOTAI_NICHIJI: string;
  BASHO_CD: string | null;
  BASHO_MEI: string | null;
}

/** 交付予約 (CARD_YOYAKU). */
export interface CardYoyakuRow {
  SHINSEI_ID: string;
  YOYAKU_NICHIJI: string; // YYYYMMDDHHMM
  YOYAKU_BASHO_CD: string;
  YOYAKU_JOTAI: string;
  BASHO_MEI: string | null;
}

/** A group-by row: the grouped columns and the count (a string on some drivers). */
export type CountRow<Columns> = Columns & { n: number | string };
