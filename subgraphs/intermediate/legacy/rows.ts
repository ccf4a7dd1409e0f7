/**
 * The intermediate server's rows as knex returns them, one interface per table the adapter reads
 * (中間サーバ; layouts in migrations.ts). CHAR/NCHAR columns arrive padded; a nullable column may be null.
 */

/** 団体内統合宛名 (TOGO_ATENA). */
export interface TogoAtenaRow {
  TOGO_ATENA_NO: string; // 団体内統合宛名番号
  GYOMU_ATENA_NO: string; // 既存住基の宛名番号
  FUGO_JOTAI_CD: string; // 符号取得状態
  FUGO_SHUTOKU_NICHIJI: string | null; // 符号取得日時
  JIDO_OTO_FUKA_FLG: string; // 自動応答不可フラグ
}

/** 情報提供等記録 (JOHO_TEIKYO_KIROKU) with the requester's name joined from KIKAN_MST (null when the master lacks it). */
export interface JohoTeikyoKirokuRow {
  KIROKU_NO: string;
  TOGO_ATENA_NO: string;
  SHOKAI_NICHIJI: string; // 照会日時
  SHOKAI_KIKAN_CD: string; // 照会機関コード
  KIKAN_MEI: string | null;
  BEPPYO_KO: string; // 別表第二の項番号
  JOHO_KOMOKU: string; // 特定個人情報の項目
  TEIKYO_KEKKA_CD: string;
  JIDO_OTO_KBN: string;
}
