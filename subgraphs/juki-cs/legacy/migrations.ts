import type { Knex } from 'knex';
import { char, nchar, migrationSource, type LegacyMigration } from '../../shared/legacy-schema';

/**
 * The CS terminal's files (市町村CS, 住基ネット), as the CS vendor laid them out. This vendor writes
 * dates with an era LETTER (M/T/S/H/R) + YYMMDD, e.g. 'S450115' — unlike the resident record
 * system's numeric era codes, which is why the era mapping is configured per source.
 * Individual numbers sit in CS_KOJIN_BANGO, apart from the identity table.
 */
const legacySchema: LegacyMigration = {
  name: '001_legacy_schema',
  async up(knex: Knex) {
    // 本人確認情報ファイル
    await knex.schema.createTable('HONNIN_KAKUNIN', (t) => {
      char(t, 'JUMINHYO_CD', 11).primary(); // 住民票コード
      char(t, 'SHICHOSON_CD', 6).notNullable(); // 市町村コード (131121 世田谷区)
      nchar(t, 'SHIMEI', 30).notNullable(); // 氏名
      nchar(t, 'SHIMEI_KANA', 60); // 氏名フリガナ (全角)
      char(t, 'KENSAKU_KANA', 60); // 検索用カナ
      char(t, 'SEINENGAPPI', 7).notNullable(); // 生年月日 (元号英字 + YYMMDD; foreign residents too)
      char(t, 'SEIBETSU', 1).notNullable(); // 1 男 2 女
      nchar(t, 'JUSHO', 100).notNullable(); // 住所 (一行)
      char(t, 'IDO_JIYU_CD', 2).notNullable(); // 異動事由
      char(t, 'IDO_YMD', 7); // 異動年月日
      char(t, 'SOSASHA_ID', 8); // 操作者ID
      char(t, 'TANMATSU_ID', 8); // 端末ID
      char(t, 'KOSHIN_NICHIJI', 14).notNullable(); // 更新日時
      char(t, 'SAKUJO_FLG', 1).notNullable(); // 削除フラグ (消除者) 0/1
      // 支援措置対象者フラグ (DV等支援措置: 本人確認情報の提供制限) '1'; '0' or blank otherwise.
      // Set and cleared by the ward's CS operators when a measure starts or ends.
      char(t, 'SHIEN_SOCHI_FLG', 1);
      t.index(['KENSAKU_KANA', 'SEINENGAPPI'], 'HONNIN_KAKUNIN_IX1');
      t.index(['SEINENGAPPI', 'SEIBETSU'], 'HONNIN_KAKUNIN_IX2');
      t.index(['SHIMEI'], 'HONNIN_KAKUNIN_IX3');
    });

    // 個人番号 (本人確認情報の一部だが別表で保持)
    await knex.schema.createTable('CS_KOJIN_BANGO', (t) => {
      char(t, 'JUMINHYO_CD', 11).primary();
      char(t, 'KOJIN_NO', 12).notNullable();
      char(t, 'KOSHIN_NICHIJI', 14).notNullable();
      t.unique(['KOJIN_NO'], { indexName: 'CS_KOJIN_BANGO_UK1' });
    });

    // 送付先情報ファイル (card mailing): a few of its 67 items
    await knex.schema.createTable('SOFUSAKI_JOHO', (t) => {
      char(t, 'JUMINHYO_CD', 11).primary();
      nchar(t, 'SOFUSAKI_SHIMEI', 30).notNullable();
      char(t, 'SOFUSAKI_YUBIN_NO', 7);
      nchar(t, 'SOFUSAKI_JUSHO', 100).notNullable();
      char(t, 'SAKUSEI_YMD', 7).notNullable();
    });
  },
  async down(knex: Knex) {
    for (const table of ['SOFUSAKI_JOHO', 'CS_KOJIN_BANGO', 'HONNIN_KAKUNIN']) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

export const jukiCsMigrations = migrationSource([legacySchema]);
