import type { Knex } from 'knex';
import { char, nchar, migrationSource, type LegacyMigration } from '../../shared/legacy-schema';

/**
 * The resident record system's tables as the legacy vendor laid them out (住民記録システム).
 * Names are the vendor's romanised abbreviations; dates are wareki GYYMMDD in CHAR(7)
 * (1=明治 … 5=令和) except foreign residents' dates, which are western YYYYMMDD in CHAR(8).
 * Individual numbers live in KOJIN_BANGO, apart from the basic-info table JUMIN_KIHON
 * (the assessment's 基本情報テーブルと特定個人情報の分離).
 */
const legacySchema: LegacyMigration = {
  name: '001_legacy_schema',
  async up(knex: Knex) {
    // 住民基本: one row per person, living or removed (除票).
    await knex.schema.createTable('JUMIN_KIHON', (t) => {
      char(t, 'ATENA_NO', 10).primary(); // 宛名番号
      char(t, 'JUMINHYO_CD', 11).notNullable(); // 住民票コード
      char(t, 'SETAI_NO', 10).notNullable(); // 世帯番号
      t.integer('SETAI_JUN').notNullable(); // 世帯員の並び順
      char(t, 'ZOKUGARA_CD', 2).notNullable(); // 続柄コード
      nchar(t, 'SHIMEI_KANJI', 30).notNullable(); // 氏名 (full-width padded)
      char(t, 'SHIMEI_KANA', 60); // 氏名フリガナ (half-width in old records)
      char(t, 'KENSAKU_KANA', 60); // 検索用カナ (search key maintained by the legacy system)
      char(t, 'SHIMEI_ROMA', 60); // ローマ字
      nchar(t, 'KYUUJI_KANJI', 20); // 旧氏
      char(t, 'KYUUJI_KANA', 40);
      nchar(t, 'TSUSHO_KANJI', 30); // 通称
      char(t, 'TSUSHO_KANA', 60);
      char(t, 'TSUSHO_KISAI_YMD', 7); // 通称を記載した年月日
      char(t, 'TSUSHO_SAKUJO_YMD', 7); // 通称を削除した年月日
      char(t, 'SEINENGAPPI_WA', 7); // 生年月日 (和暦 GYYMMDD; blank for foreign residents)
      char(t, 'SEINENGAPPI_SEI', 8); // 生年月日 (西暦 YYYYMMDD; foreign residents)
      char(t, 'SEINENGAPPI_FUSHO', 1); // 生年月日不詳区分: ' ' known, '1' 頃 (approximate)
      char(t, 'SEIBETSU', 1).notNullable(); // 性別 1 男 2 女
      char(t, 'JUMIN_SHUBETSU', 1).notNullable(); // 住民種別 1 日本人 2 外国人
      char(t, 'JUMIN_JOTAI', 1).notNullable(); // 住民状態 0 住民 1 転出 2 死亡 3 職権消除
      char(t, 'JUSHO_CD', 6).notNullable(); // 住所コード (町 4 + 丁目 2)
      char(t, 'YUBIN_NO', 7);
      nchar(t, 'JUSHO', 40).notNullable(); // 住所 (町名・丁目まで)
      nchar(t, 'BANCHI', 20); // 番地
      nchar(t, 'KATAGAKI', 40); // 方書
      char(t, 'JUMIN_YMD', 7); // 住民となった年月日
      char(t, 'JUSHO_TEI_YMD', 7); // 住所を定めた年月日
      char(t, 'TODOKEDE_YMD', 7); // 届出の年月日
      nchar(t, 'ZEN_JUSHO', 60); // 転入前住所
      nchar(t, 'HONSEKI', 40); // 本籍
      nchar(t, 'HITTOSHA', 30); // 筆頭者
      char(t, 'SENKYO_FLG', 1); // 選挙人名簿登録 1 有
      char(t, 'SHOJO_JIYU_CD', 2); // 消除事由 11 転出 21 死亡 31 職権消除
      char(t, 'SHOJO_YMD', 7); // 事由の生じた年月日
      nchar(t, 'TENSHUTSU_SAKI', 60); // 転出先住所
      char(t, 'KOSHIN_NICHIJI', 14).notNullable(); // 更新日時 YYYYMMDDHHMMSS
      t.unique(['JUMINHYO_CD'], { indexName: 'JUMIN_KIHON_UK1' });
      t.index(['SETAI_NO', 'SETAI_JUN'], 'JUMIN_KIHON_IX1');
      t.index(['KENSAKU_KANA'], 'JUMIN_KIHON_IX2');
      t.index(['SEINENGAPPI_WA'], 'JUMIN_KIHON_IX3');
      t.index(['SEINENGAPPI_SEI'], 'JUMIN_KIHON_IX4');
      t.index(['JUSHO_CD'], 'JUMIN_KIHON_IX5');
      t.index(['JUMIN_JOTAI'], 'JUMIN_KIHON_IX6');
    });

    // 個人番号: kept in its own table, apart from JUMIN_KIHON.
    await knex.schema.createTable('KOJIN_BANGO', (t) => {
      char(t, 'ATENA_NO', 10).primary();
      char(t, 'KOJIN_NO', 12).notNullable(); // 個人番号
      char(t, 'SHITEI_YMD', 7); // 指定年月日
      char(t, 'KOSHIN_NICHIJI', 14).notNullable();
      t.unique(['KOJIN_NO'], { indexName: 'KOJIN_BANGO_UK1' });
    });

    // 世帯
    await knex.schema.createTable('SETAI', (t) => {
      char(t, 'SETAI_NO', 10).primary();
      char(t, 'SETAINUSHI_ATENA_NO', 10).notNullable(); // 世帯主の宛名番号
      char(t, 'SETAI_KOSEI_YMD', 7); // 世帯構成年月日
      char(t, 'KOSHIN_NICHIJI', 14).notNullable();
    });

    // 外国人住民
    await knex.schema.createTable('GAIKOKUJIN', (t) => {
      char(t, 'ATENA_NO', 10).primary();
      nchar(t, 'KOKUSEKI', 20).notNullable(); // 国籍・地域
      char(t, 'HO30_45_KBN', 1).notNullable(); // 法第30条の45区分 1 中長期 2 特別永住 3 一時庇護 4 仮滞在 5 経過滞在
      nchar(t, 'ZAIRYU_SHIKAKU', 20); // 在留資格
      nchar(t, 'ZAIRYU_KIKAN', 10); // 在留期間
      char(t, 'ZAIRYU_MANRYO_YMD', 8); // 在留期間の満了の日 (西暦)
      char(t, 'ZAIRYU_CARD_NO', 12); // 在留カードの番号
      char(t, 'TOKUEI_SHOMEISHO_NO', 12); // 特別永住者証明書の番号
      char(t, 'GAIKOKUJIN_YMD', 8); // 外国人住民となった年月日 (西暦)
      char(t, 'KOSHIN_NICHIJI', 14).notNullable();
    });

    // 異動履歴
    await knex.schema.createTable('IDO_RIREKI', (t) => {
      char(t, 'ATENA_NO', 10).notNullable();
      t.integer('IDO_SEQ').notNullable();
      char(t, 'IDO_JIYU_CD', 2).notNullable(); // 01 転入 02 転居 03 転出 04 出生 05 死亡 06 世帯変更 07 職権記載 08 職権消除
      char(t, 'IDO_YMD', 7).notNullable();
      char(t, 'TODOKEDE_YMD', 7);
      nchar(t, 'IDO_MAE_JUSHO', 60);
      nchar(t, 'IDO_GO_JUSHO', 60);
      char(t, 'KOSHIN_NICHIJI', 14).notNullable();
      t.primary(['ATENA_NO', 'IDO_SEQ']);
      t.index(['IDO_YMD'], 'IDO_RIREKI_IX1');
    });

    // 証明書発行履歴
    await knex.schema.createTable('SHOMEI_HAKKO_RIREKI', (t) => {
      char(t, 'HAKKO_NO', 12).primary();
      char(t, 'ATENA_NO', 10).notNullable();
      char(t, 'SHOMEI_SHUBETSU_CD', 2).notNullable(); // 01 住民票の写し 02 記載事項証明書 03 除票の写し 04 印鑑登録証明書
      char(t, 'HAKKO_YMD', 7).notNullable();
      char(t, 'HAKKO_BASHO_CD', 3).notNullable(); // 交付場所コード
      t.integer('TSUSU').notNullable(); // 通数
      char(t, 'SEIKYUSHA_KBN', 1).notNullable(); // 1 本人 2 同一世帯 3 代理人 4 第三者 5 公用
      t.index(['ATENA_NO'], 'SHOMEI_HAKKO_RIREKI_IX1');
    });

    // 支援措置 (DV等支援措置). The named perpetrator is recorded for refusals, never exposed.
    await knex.schema.createTable('SHIEN_SOCHI', (t) => {
      char(t, 'ATENA_NO', 10).notNullable();
      t.integer('SOCHI_SEQ').notNullable();
      char(t, 'SOCHI_KBN', 1).notNullable(); // 1 DV 2 ストーカー 3 児童虐待 9 その他
      char(t, 'KAISHI_YMD', 7).notNullable();
      char(t, 'SHURYO_YMD', 7);
      char(t, 'KARI_FLG', 1).notNullable(); // 仮の支援措置 1
      nchar(t, 'KAGAISHA_SHIMEI', 30); // 加害者氏名
      t.primary(['ATENA_NO', 'SOCHI_SEQ']);
    });

    // 印鑑登録
    await knex.schema.createTable('INKAN_TOROKU', (t) => {
      char(t, 'INKAN_TOROKU_NO', 10).primary();
      char(t, 'ATENA_NO', 10).notNullable();
      char(t, 'TOROKU_YMD', 7).notNullable();
      char(t, 'HAISHI_YMD', 7);
      t.index(['ATENA_NO'], 'INKAN_TOROKU_IX1');
    });

    // 交付場所マスタ (shared code table of the counters)
    await knex.schema.createTable('BASHO_MST', (t) => {
      char(t, 'BASHO_CD', 3).primary();
      nchar(t, 'BASHO_MEI', 20).notNullable();
    });
  },
  async down(knex: Knex) {
    for (const table of ['BASHO_MST', 'INKAN_TOROKU', 'SHIEN_SOCHI', 'SHOMEI_HAKKO_RIREKI', 'IDO_RIREKI', 'GAIKOKUJIN', 'SETAI', 'KOJIN_BANGO', 'JUMIN_KIHON']) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

/**
 * Covering indexes for the population statistics (workload (d), the DX dashboards): each GROUP BY
 * over the living register reads one index in key order instead of the whole 住民基本 table.
 * Measured on 1,000,000 residents (SQLite): 4.9 s → 0.4 s for one populationStatistics, which
 * better-sqlite3 runs on the subgraph's only thread. Not the vendor's layout: on the production
 * database these are a request to the vendor's DBA (README, "Performance").
 */
const statisticsIndexes: LegacyMigration = {
  name: '002_statistics_indexes',
  async up(knex: Knex) {
    await knex.schema.alterTable('JUMIN_KIHON', (t) => {
      t.index(['JUMIN_JOTAI', 'JUSHO_CD', 'JUSHO'], 'JUMIN_KIHON_STAT1');
      t.index(['JUMIN_JOTAI', 'JUMIN_SHUBETSU', 'SEINENGAPPI_WA', 'SEINENGAPPI_SEI'], 'JUMIN_KIHON_STAT2');
      t.index(['JUMIN_JOTAI', 'SEIBETSU'], 'JUMIN_KIHON_STAT3');
    });
  },
  async down(knex: Knex) {
    await knex.schema.alterTable('JUMIN_KIHON', (t) => {
      t.dropIndex([], 'JUMIN_KIHON_STAT3');
      t.dropIndex([], 'JUMIN_KIHON_STAT2');
      t.dropIndex([], 'JUMIN_KIHON_STAT1');
    });
  },
};

export const residentsMigrations = migrationSource([legacySchema, statisticsIndexes]);
