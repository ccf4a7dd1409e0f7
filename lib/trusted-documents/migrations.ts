import type { Knex } from 'knex';
import { migrateToLatest } from '../migrate-to-latest';

/**
 * The trusted-document tables (issue 13), in the audit database beside the trail, so every
 * gateway replica reads the same approvals (SQLite embedded, PostgreSQL when AUDIT_DB_* says so).
 * Their own migration log (knex_migrations_trusted): they never touch the trail's migrations.
 *
 *   TRUSTED_DOCUMENT      one row per document hash: its text, and the security officer's
 *                         decision on it (PENDING → APPROVED | REJECTED), who decided, when, why.
 *                         Approvals are per hash: an app's new version that keeps a document keeps
 *                         its approval; a changed document is a new hash, PENDING again.
 *   TRUSTED_DOCUMENT_APP  (app, version, hash): which app versions registered the document, with
 *                         the operation name and when.
 * The gateway looks a document up by primary key; the listings by (app, version).
 */
export const TRUSTED_MIGRATION_TABLE = 'knex_migrations_trusted';

export const TRUSTED_TABLES = {
  document: 'TRUSTED_DOCUMENT',
  app: 'TRUSTED_DOCUMENT_APP',
} as const;

interface TrustedMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const trustedDocuments: TrustedMigration = {
  name: '001_trusted_documents',
  async up(knex) {
    await knex.schema.createTable(TRUSTED_TABLES.document, (t) => {
      t.string('hash', 64).primary();
      t.text('document').notNullable();
      t.string('status', 16).notNullable();
      t.string('registered_at', 64).notNullable();
      t.string('decided_by', 128);
      t.string('decided_at', 64);
      t.text('decision_reason');
    });
    await knex.schema.createTable(TRUSTED_TABLES.app, (t) => {
      t.string('app', 64).notNullable();
      t.string('version', 32).notNullable();
      t.string('hash', 64).notNullable();
      t.string('operation_name', 128);
      t.string('registered_at', 64).notNullable();
      t.primary(['app', 'version', 'hash']);
      t.index(['hash'], 'trusted_document_app_hash');
    });
  },
  async down(knex) {
    for (const table of Object.values(TRUSTED_TABLES)) await knex.schema.dropTableIfExists(table);
  },
};

const MIGRATIONS: TrustedMigration[] = [trustedDocuments];

export const trustedMigratorConfig: Knex.MigratorConfig = {
  migrationSource: {
    getMigrations: async () => MIGRATIONS,
    getMigrationName: (migration: TrustedMigration) => migration.name,
    getMigration: async (migration: TrustedMigration) => migration,
  } as Knex.MigrationSource<TrustedMigration>,
  tableName: TRUSTED_MIGRATION_TABLE,
};

/** Migrates when a migration is pending; processes starting together take turns (lib/migrate-to-latest.ts). */
export function migrateTrustedToLatest(knex: Knex): Promise<void> {
  return migrateToLatest(knex, trustedMigratorConfig);
}
