import type { Knex } from 'knex';
import { char, nchar, migrationSource, type LegacyMigration } from '../../shared/legacy-schema';

/**
 * The card issuance progress system's tables (個人番号カード交付進捗管理システム). A newer
 * system than the register: dates are western YYYYMMDD, timestamps YYYYMMDDHHMMSS, both CHAR.
 * Persons are known by the register's 宛名番号.
 */
const legacySchema: LegacyMigration = {
  name: '001_legacy_schema',
  async up(knex: Knex) {
    // カード申請
    await knex.schema.createTable('CARD_SHINSEI', (t) => {
      char(t, 'SHINSEI_ID', 16).primary(); // 申請書ID
      char(t, 'ATENA_NO', 10).notNullable();
      char(t, 'SHINSEI_YMD', 8).notNullable(); // 申請日 (西暦)
      char(t, 'GENKO_JOTAI_CD', 2).notNullable(); // 現在の状態
      char(t, 'KOFU_BASHO_CD', 3); // 交付場所
      char(t, 'KOSHIN_NICHIJI', 14).notNullable();
      t.index(['ATENA_NO', 'SHINSEI_YMD'], 'CARD_SHINSEI_IX1');
      t.index(['GENKO_JOTAI_CD'], 'CARD_SHINSEI_IX2');
    });

    // 進捗履歴
    await knex.schema.createTable('CARD_SHINCHOKU', (t) => {
      char(t, 'SHINSEI_ID', 16).notNullable();
      t.integer('RIREKI_SEQ').notNullable();
      char(t, 'JOTAI_CD', 2).notNullable(); // 10 申請受付 20 作成中 30 到着 40 通知発送 50 予約 60 交付 90 廃止 91 取消
      char(t, 'JOTAI_NICHIJI', 14).notNullable();
      char(t, 'BASHO_CD', 3);
      t.primary(['SHINSEI_ID', 'RIREKI_SEQ']);
    });

    // 交付予約
    await knex.schema.createTable('CARD_YOYAKU', (t) => {
      char(t, 'SHINSEI_ID', 16).primary();
      char(t, 'YOYAKU_NICHIJI', 12).notNullable(); // YYYYMMDDHHMM
      char(t, 'YOYAKU_BASHO_CD', 3).notNullable();
      char(t, 'YOYAKU_JOTAI', 1).notNullable(); // 1 予約 2 取消 3 来庁済
    });

    // 交付場所マスタ
    await knex.schema.createTable('KOFU_BASHO_MST', (t) => {
      char(t, 'BASHO_CD', 3).primary();
      nchar(t, 'BASHO_MEI', 20).notNullable();
    });
  },
  async down(knex: Knex) {
    for (const table of ['KOFU_BASHO_MST', 'CARD_YOYAKU', 'CARD_SHINCHOKU', 'CARD_SHINSEI']) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

export const cardProgressMigrations = migrationSource([legacySchema]);
