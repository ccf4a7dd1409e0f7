import type { Knex } from 'knex';
import { migrateToLatest } from '../migrate-to-latest';

/**
 * The rule-version tables (issue 12: rules change through two officers), in the audit database
 * beside the trail and the bulk-output ledger, through knex migrations with their own log table
 * (knex_migrations_rules), so they never touch the trail's migrations.
 *
 *   RULE_VERSION       one row per version of the rule files: id = the files' content hash (the
 *                      ruleVersion the trail records), the files as JSON, where it came from.
 *   RULE_IN_FORCE      one row each time a version was put in force; the newest row is the
 *                      version in force, which every gateway and subgraph polls (one indexed row).
 *   RULE_PROPOSAL      a change, restore or revocation with its author and its second officer.
 *   RULE_SHADOW_DIFF   one row per operation a shadow run decided differently, per direction.
 *   RULE_SHADOW_TALLY  operations a shadow run compared (added to by every replica).
 */
export const RULE_MIGRATION_TABLE = 'knex_migrations_rules';

export const RULE_TABLES = {
  version: 'RULE_VERSION',
  inForce: 'RULE_IN_FORCE',
  proposal: 'RULE_PROPOSAL',
  shadowDiff: 'RULE_SHADOW_DIFF',
  shadowTally: 'RULE_SHADOW_TALLY',
} as const;

interface RuleMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const ruleVersions: RuleMigration = {
  name: '001_rule_versions',
  async up(knex) {
    await knex.schema.createTable(RULE_TABLES.version, (t) => {
      t.increments('seq').primary();
      t.string('id', 64).notNullable().unique('rule_version_id');
      t.text('files').notNullable();
      t.string('origin', 16).notNullable();
      t.string('created_at', 64).notNullable();
      t.string('created_by', 128).notNullable();
      t.string('proposal_id', 36);
    });
    await knex.schema.createTable(RULE_TABLES.inForce, (t) => {
      t.increments('seq').primary();
      t.string('version_id', 64).notNullable();
      t.string('applied_at', 64).notNullable();
      t.string('applied_by', 128).notNullable();
      t.string('proposal_id', 36);
    });
    await knex.schema.createTable(RULE_TABLES.proposal, (t) => {
      t.increments('seq').primary();
      t.string('id', 36).notNullable().unique('rule_proposal_id');
      t.string('kind', 16).notNullable();
      t.string('status', 32).notNullable();
      t.text('summary').notNullable();
      t.string('author', 128).notNullable();
      t.string('author_department', 128).notNullable();
      t.string('proposed_at', 64).notNullable();
      t.string('base_version', 64).notNullable();
      t.string('proposed_version', 64).notNullable();
      t.text('files').notNullable();
      t.text('changed_files').notNullable();
      t.string('decided_by', 128);
      t.string('decided_at', 64);
      t.text('decision_comment');
      t.string('applied_version', 64);
      t.string('applied_at', 64);
      t.string('restores_version', 64);
      t.string('revoked_subject', 128);
      t.string('shadow_from', 64);
      t.string('shadow_until', 64);
      t.bigInteger('shadow_until_ms');
      t.index(['status', 'seq'], 'rule_proposal_status');
      t.index(['shadow_until_ms'], 'rule_proposal_shadow');
    });
    await knex.schema.createTable(RULE_TABLES.shadowDiff, (t) => {
      t.increments('seq').primary();
      t.string('proposal_id', 36).notNullable();
      t.string('direction', 16).notNullable();
      t.string('occurred_at', 64).notNullable();
      t.string('subject', 128);
      t.string('department', 128);
      t.text('coordinates').notNullable();
      t.text('person_ids').notNullable();
      t.index(['proposal_id', 'seq'], 'rule_shadow_diff_proposal');
    });
    await knex.schema.createTable(RULE_TABLES.shadowTally, (t) => {
      t.string('proposal_id', 36).primary();
      t.bigInteger('operations_compared').notNullable();
    });
  },
  async down(knex) {
    for (const table of Object.values(RULE_TABLES)) await knex.schema.dropTableIfExists(table);
  },
};

const MIGRATIONS: RuleMigration[] = [ruleVersions];

export const ruleMigratorConfig: Knex.MigratorConfig = {
  migrationSource: {
    getMigrations: async () => MIGRATIONS,
    getMigrationName: (migration: RuleMigration) => migration.name,
    getMigration: async (migration: RuleMigration) => migration,
  } as Knex.MigrationSource<RuleMigration>,
  tableName: RULE_MIGRATION_TABLE,
};

/** Migrates when a migration is pending; processes starting together take turns (lib/migrate-to-latest.ts). */
export function migrateRulesToLatest(knex: Knex): Promise<void> {
  return migrateToLatest(knex, ruleMigratorConfig);
}
