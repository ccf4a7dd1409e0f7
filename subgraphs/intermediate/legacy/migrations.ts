import type { Knex } from 'knex';
import { char, nchar, migrationSource, type LegacyMigration } from '../../shared/legacy-schema';

/**
 * The intermediate server's tables (中間サーバ / 団体内統合宛名システム). Timestamps are
 * CHAR(14) YYYYMMDDHHMMSS in JST, as the intermediate server's interface files carry them.
 * It knows persons by 団体内統合宛名番号, linked to the resident record system's 宛名番号.
 */
const legacySchema: LegacyMigration = {
  name: '001_legacy_schema',
  async up(knex: Knex) {
    // 団体内統合宛名
    await knex.schema.createTable('TOGO_ATENA', (t) => {
      char(t, 'TOGO_ATENA_NO', 15).primary(); // 団体内統合宛名番号
      char(t, 'GYOMU_ATENA_NO', 10).notNullable(); // 既存住基の宛名番号
      char(t, 'FUGO_JOTAI_CD', 1).notNullable(); // 符号取得状態 0 未取得 1 取得依頼中 2 取得済 9 エラー
      char(t, 'FUGO_SHUTOKU_NICHIJI', 14); // 符号取得日時
      char(t, 'JIDO_OTO_FUKA_FLG', 1).notNullable(); // 自動応答不可フラグ 0/1
      char(t, 'KOSHIN_NICHIJI', 14).notNullable();
      t.unique(['GYOMU_ATENA_NO'], { indexName: 'TOGO_ATENA_UK1' });
    });

    // 情報提供等記録
    await knex.schema.createTable('JOHO_TEIKYO_KIROKU', (t) => {
      char(t, 'KIROKU_NO', 20).primary();
      char(t, 'TOGO_ATENA_NO', 15).notNullable();
      char(t, 'SHOKAI_NICHIJI', 14).notNullable(); // 照会日時
      char(t, 'SHOKAI_KIKAN_CD', 6).notNullable(); // 照会機関コード
      char(t, 'BEPPYO_KO', 3).notNullable(); // 番号法別表第二の項番号
      nchar(t, 'JOHO_KOMOKU', 100).notNullable(); // 特定個人情報の項目 (「、」区切り)
      char(t, 'TEIKYO_KEKKA_CD', 1).notNullable(); // 1 提供 2 不提供 3 保留
      char(t, 'JIDO_OTO_KBN', 1).notNullable(); // 1 自動応答 2 手動応答
      t.index(['TOGO_ATENA_NO', 'SHOKAI_NICHIJI'], 'JOHO_TEIKYO_KIROKU_IX1');
    });

    // 照会機関マスタ
    await knex.schema.createTable('KIKAN_MST', (t) => {
      char(t, 'KIKAN_CD', 6).primary();
      nchar(t, 'KIKAN_MEI', 40).notNullable();
    });
  },
  async down(knex: Knex) {
    for (const table of ['KIKAN_MST', 'JOHO_TEIKYO_KIROKU', 'TOGO_ATENA']) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

export const intermediateMigrations = migrationSource([legacySchema]);
