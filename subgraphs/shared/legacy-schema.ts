import type { Knex } from 'knex';

/**
 * Column helpers for legacy-shaped tables. Legacy systems keep text in fixed-width CHAR/NCHAR
 * columns (padded, never trimmed by the database), so the migrations say so explicitly instead
 * of using knex's variable-length `string`. Every dialect we run (SQLite, PostgreSQL, SQL Server)
 * accepts these type names.
 */
export function char(table: Knex.CreateTableBuilder, column: string, length: number): Knex.ColumnBuilder {
  return table.specificType(column, `char(${length})`);
}

/** National-character CHAR: Japanese text (kanji, full-width kana) padded with U+3000 or spaces. */
export function nchar(table: Knex.CreateTableBuilder, column: string, length: number): Knex.ColumnBuilder {
  return table.specificType(column, `nchar(${length})`);
}

export interface LegacyMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * A knex migration source over migrations imported as modules. Knex's default source loads
 * files by path at run time, which breaks under test transformers and bundlers; importing them
 * keeps the migration list explicit and type-checked.
 */
export function migrationSource(migrations: LegacyMigration[]): Knex.MigrationSource<LegacyMigration> {
  return {
    getMigrations: async () => migrations,
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => migration,
  };
}
