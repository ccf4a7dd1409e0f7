import type { Knex } from 'knex';
import { migrateToLatest } from '../migrate-to-latest';

/**
 * The bulk-output tables (大量出力の事前承認, promise 7), in the audit database beside the trail,
 * through knex migrations with their own log table (knex_migrations_bulk), so they never touch
 * the trail's migrations.
 *
 *   BULK_APPROVAL         one row per approval a terminal manager issued (who to, for which
 *                         purpose, at most how many persons, valid from/to), its withdrawal and
 *                         how many distinct persons it has let through. Issuing and withdrawing
 *                         are recorded in the audit trail too (BULK_APPROVAL_ISSUED / _WITHDRAWN).
 *   BULK_APPROVAL_PERSON  (approval_id, person_id): the persons an approval has let through.
 *   BULK_OUTPUT_TALLY     (subject, purpose, day) → distinct persons received that day without an
 *                         approval: the row every gateway replica locks to count exactly.
 *   BULK_OUTPUT_PERSON    (subject, purpose, day, person_id): who those persons were, so that
 *                         reading a person again the same day does not count twice.
 * Every lookup is by primary key (an index), never a scan.
 */
export const BULK_MIGRATION_TABLE = 'knex_migrations_bulk';

export const BULK_TABLES = {
  approval: 'BULK_APPROVAL',
  approvalPerson: 'BULK_APPROVAL_PERSON',
  tally: 'BULK_OUTPUT_TALLY',
  person: 'BULK_OUTPUT_PERSON',
} as const;

interface BulkMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const bulkOutput: BulkMigration = {
  name: '001_bulk_output',
  async up(knex) {
    await knex.schema.createTable(BULK_TABLES.approval, (t) => {
      // The listing's order and cursor; `id` is what callers see (a random UUID, unguessable).
      t.increments('seq').primary();
      t.string('id', 36).notNullable().unique('bulk_approval_id');
      t.string('grantee', 128).notNullable();
      t.string('purpose', 64).notNullable();
      t.integer('max_persons').notNullable();
      t.string('valid_from', 64).notNullable();
      t.bigInteger('valid_from_ms').notNullable();
      t.string('valid_to', 64).notNullable();
      t.bigInteger('valid_to_ms').notNullable();
      t.text('reason').notNullable();
      t.string('issued_by', 128).notNullable();
      t.string('issued_by_department', 128).notNullable();
      t.string('issued_at', 64).notNullable();
      t.string('withdrawn_at', 64);
      t.string('withdrawn_by', 128);
      t.text('withdrawal_reason');
      t.integer('persons_used').notNullable().defaultTo(0);
      t.index(['grantee', 'seq'], 'bulk_approval_grantee');
      t.index(['issued_by', 'seq'], 'bulk_approval_issuer');
    });
    await knex.schema.createTable(BULK_TABLES.approvalPerson, (t) => {
      t.string('approval_id', 36).notNullable();
      t.string('person_id', 32).notNullable();
      t.primary(['approval_id', 'person_id']);
    });
    await knex.schema.createTable(BULK_TABLES.tally, (t) => {
      t.string('subject', 128).notNullable();
      t.string('purpose', 64).notNullable();
      t.string('day', 10).notNullable();
      t.integer('persons').notNullable();
      t.primary(['subject', 'purpose', 'day']);
    });
    await knex.schema.createTable(BULK_TABLES.person, (t) => {
      t.string('subject', 128).notNullable();
      t.string('purpose', 64).notNullable();
      t.string('day', 10).notNullable();
      t.string('person_id', 32).notNullable();
      t.primary(['subject', 'purpose', 'day', 'person_id']);
    });
  },
  async down(knex) {
    for (const table of Object.values(BULK_TABLES)) await knex.schema.dropTableIfExists(table);
  },
};

const MIGRATIONS: BulkMigration[] = [bulkOutput];

export const bulkMigratorConfig: Knex.MigratorConfig = {
  migrationSource: {
    getMigrations: async () => MIGRATIONS,
    getMigrationName: (migration: BulkMigration) => migration.name,
    getMigration: async (migration: BulkMigration) => migration,
  } as Knex.MigrationSource<BulkMigration>,
  tableName: BULK_MIGRATION_TABLE,
};

/** Migrates when a migration is pending; processes starting together take turns (lib/migrate-to-latest.ts). */
export function migrateBulkToLatest(knex: Knex): Promise<void> {
  return migrateToLatest(knex, bulkMigratorConfig);
}
