import type { Knex } from 'knex';
import { GENESIS_HASH } from './chain';
import { migrateToLatest } from '../migrate-to-latest';

/**
 * The audit trail's tables, through knex migrations with their own log table
 * (knex_migrations_audit), so the trail may share a database with anything else.
 *
 *   AUDIT_LOG         one row per record; the chain (sequence, previous_hash, hash) and every field
 *                     of the record (lists as JSON text) — the hash chain is verified on it alone
 *                     (and AUDIT_PERSON / the field sets are checked against its lists).
 *   AUDIT_PERSON      (sequence, person_id): the 宛名番号 of a record, for "by person" lookups.
 *   AUDIT_FIELD       (sequence, coordinate, granted, policy): granted and refused field coordinates
 *                     of records written before migration 004 (no longer written).
 *   AUDIT_FIELD_SET   (field_set, position, coordinate, granted, policy): each distinct set of granted
 *                     and refused coordinates once, named by its digest (field-sets.ts); a record
 *                     names its set in AUDIT_LOG.field_set (migration 004).
 *   AUDIT_CHAIN_HEAD  one row: the last sequence and hash. Appends lock it (PostgreSQL: SELECT …
 *                     FOR UPDATE; SQLite: BEGIN IMMEDIATE) so all writers make one chain, and
 *                     verify compares the chain's end with it (a deleted tail is a gap).
 *
 * Append-only: triggers refuse UPDATE and DELETE on the record tables (and TRUNCATE on
 * PostgreSQL); the head may only move forward. They are installed by the migration and again by
 * `ensureAppendOnlyTriggers` whenever the store opens, should someone have dropped them.
 */
export const AUDIT_MIGRATION_TABLE = 'knex_migrations_audit';

export const AUDIT_TABLES = {
  log: 'AUDIT_LOG',
  person: 'AUDIT_PERSON',
  field: 'AUDIT_FIELD',
  fieldSet: 'AUDIT_FIELD_SET',
  head: 'AUDIT_CHAIN_HEAD',
} as const;

const RECORD_TABLES: string[] = [AUDIT_TABLES.log, AUDIT_TABLES.person, AUDIT_TABLES.field, AUDIT_TABLES.fieldSet];

export type AuditDialect = 'sqlite' | 'postgresql';

function dialectOf(knex: Knex): AuditDialect {
  const client = String(knex.client.config.client);
  return client === 'pg' || client === 'postgres' || client === 'postgresql' ? 'postgresql' : 'sqlite';
}

interface AuditMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const auditTrail: AuditMigration = {
  name: '001_audit_trail',
  async up(knex) {
    const dialect = dialectOf(knex);
    // SQLite: "integer primary key" makes the sequence the rowid (the table's own order).
    const sequenceType = dialect === 'sqlite' ? 'integer' : 'bigint';
    await knex.schema.createTable(AUDIT_TABLES.log, (t) => {
      t.specificType('sequence', sequenceType).notNullable().primary();
      t.string('kind', 32).notNullable();
      t.string('occurred_at', 64).notNullable(); // as submitted (ISO 8601 with offset)
      t.bigInteger('occurred_ms').notNullable(); // the same instant, for period filters
      t.string('recorded_at', 32).notNullable();
      t.text('request_id').notNullable();
      t.text('subject');
      t.text('department');
      t.text('roles').notNullable();
      t.text('purpose');
      t.boolean('mfa');
      t.text('client_name');
      t.text('client_version');
      t.text('case_reference');
      t.text('operation_name');
      t.text('operation_hash');
      t.string('decision', 16).notNullable();
      t.text('granted_fields').notNullable();
      t.text('denied_fields').notNullable();
      t.text('person_ids').notNullable();
      t.text('rule_version');
      t.text('error_codes').notNullable();
      t.text('detail');
      t.string('previous_hash', 64).notNullable();
      t.string('hash', 64).notNullable();
      t.index(['subject', 'sequence'], 'audit_log_subject');
      t.index(['department', 'sequence'], 'audit_log_department');
      t.index(['decision', 'sequence'], 'audit_log_decision');
      t.index(['occurred_ms'], 'audit_log_occurred');
    });
    await knex.schema.createTable(AUDIT_TABLES.person, (t) => {
      t.specificType('sequence', sequenceType).notNullable();
      t.string('person_id', 32).notNullable();
      t.primary(['sequence', 'person_id']);
      t.index(['person_id', 'sequence'], 'audit_person_person');
    });
    await knex.schema.createTable(AUDIT_TABLES.field, (t) => {
      t.specificType('sequence', sequenceType).notNullable();
      t.text('coordinate').notNullable();
      t.boolean('granted').notNullable();
      t.text('policy');
      t.index(['sequence'], 'audit_field_sequence');
      t.index(['coordinate', 'sequence'], 'audit_field_coordinate');
    });
    await knex.schema.createTable(AUDIT_TABLES.head, (t) => {
      t.integer('id').notNullable().primary();
      t.specificType('sequence', sequenceType).notNullable();
      t.string('hash', 64).notNullable();
      t.string('recorded_at', 32).notNullable();
      t.check('?? = 1', ['id'], 'audit_chain_head_single_row');
    });
    await knex(AUDIT_TABLES.head).insert({ id: 1, sequence: 0, hash: GENESIS_HASH, recorded_at: '' });
    await installAppendOnlyTriggers(knex, dialect, { tables: new Set([AUDIT_TABLES.log, AUDIT_TABLES.person, AUDIT_TABLES.field, AUDIT_TABLES.head]) });
  },
  async down(knex) {
    const dialect = dialectOf(knex);
    for (const table of [AUDIT_TABLES.log, AUDIT_TABLES.person, AUDIT_TABLES.field, AUDIT_TABLES.head]) await knex.schema.dropTableIfExists(table);
    if (dialect === 'postgresql') {
      await knex.raw('drop function if exists audit_refuse_change() cascade');
      await knex.raw('drop function if exists audit_head_forward_only() cascade');
    }
  },
};

/**
 * The members added to the contract after the first trails were written: the client's own request
 * id (claimed), the bulk-output approval relied on, and the operation's usage (demand control).
 * Nullable: records written before this migration have none, and hash without them (chain.ts).
 */
const claimsAndUsage: AuditMigration = {
  name: '002_claims_and_usage',
  async up(knex) {
    await knex.schema.alterTable(AUDIT_TABLES.log, (t) => {
      t.text('claimed_request_id');
      t.text('bulk_approval_id');
      t.double('usage_estimated_cost');
      t.double('usage_cost_budget');
      t.bigInteger('usage_rows_returned');
      t.bigInteger('usage_persons_returned');
    });
  },
  async down(knex) {
    await knex.schema.alterTable(AUDIT_TABLES.log, (t) => {
      t.dropColumns('claimed_request_id', 'bulk_approval_id', 'usage_estimated_cost', 'usage_cost_budget', 'usage_rows_returned', 'usage_persons_returned');
    });
  },
};

/**
 * Masking as a rule outcome (issue 13): the coordinates a record's caller received masked, with
 * the mask. Nullable: a record without masked fields has none and hashes without it (chain.ts).
 */
const maskedFields: AuditMigration = {
  name: '003_masked_fields',
  async up(knex) {
    await knex.schema.alterTable(AUDIT_TABLES.log, (t) => {
      t.text('masked_fields');
    });
  },
  async down(knex) {
    await knex.schema.alterTable(AUDIT_TABLES.log, (t) => {
      t.dropColumns('masked_fields');
    });
  },
};

/**
 * Field sets (issue 14): one row per field of a record made a commit change one index page per
 * coordinate (AUDIT_FIELD (coordinate, sequence)), so an answer of 30 fields wrote 30 pages. A
 * record now names the digest of its set of granted and refused coordinates (AUDIT_LOG.field_set,
 * one index entry), and each distinct set is stored once in AUDIT_FIELD_SET. Records written
 * before keep their AUDIT_FIELD rows and a NULL field_set; lookups and verify read both.
 */
const fieldSets: AuditMigration = {
  name: '004_field_sets',
  async up(knex) {
    const dialect = dialectOf(knex);
    await knex.schema.createTable(AUDIT_TABLES.fieldSet, (t) => {
      t.string('field_set', 64).notNullable();
      t.integer('position').notNullable();
      t.text('coordinate').notNullable();
      t.boolean('granted').notNullable();
      t.text('policy');
      t.primary(['field_set', 'position']);
      t.index(['coordinate', 'field_set'], 'audit_field_set_coordinate');
    });
    await knex.schema.alterTable(AUDIT_TABLES.log, (t) => {
      t.string('field_set', 64);
    });
    // Partial: the records already in the trail (NULL) add nothing to build or keep, so the
    // upgrade of a large trail holds AUDIT_LOG for one pass over it, not for an index of it.
    await knex.schema.alterTable(AUDIT_TABLES.log, (t) => {
      t.index(['field_set', 'sequence'], 'audit_log_field_set', { predicate: knex.whereNotNull('field_set') });
    });
    await installAppendOnlyTriggers(knex, dialect, { tables: new Set([AUDIT_TABLES.fieldSet]) });
  },
  async down(knex) {
    // The records written since keep their fields the way the code before reads them.
    const { log, field, fieldSet } = AUDIT_TABLES;
    await knex.raw(`insert into "${field}" (sequence, coordinate, granted, policy) select l.sequence, s.coordinate, s.granted, s.policy from "${log}" l join "${fieldSet}" s on s.field_set = l.field_set`);
    await knex.schema.dropTableIfExists(fieldSet);
    await knex.schema.alterTable(log, (t) => {
      t.dropIndex(['field_set', 'sequence'], 'audit_log_field_set');
      t.dropColumns('field_set');
    });
  },
};

const MIGRATIONS: AuditMigration[] = [auditTrail, claimsAndUsage, maskedFields, fieldSets];

export const auditMigrationSource: Knex.MigrationSource<AuditMigration> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

export const auditMigratorConfig: Knex.MigratorConfig = {
  migrationSource: auditMigrationSource,
  tableName: AUDIT_MIGRATION_TABLE,
};

/** Migrates when a migration is pending; processes starting together take turns (lib/migrate-to-latest.ts). */
export function migrateAuditToLatest(knex: Knex): Promise<void> {
  return migrateToLatest(knex, auditMigratorConfig);
}

/** The triggers that keep the trail append-only, by name, for one dialect. */
export function appendOnlyTriggerNames(dialect: AuditDialect): { table: string; name: string }[] {
  const names: { table: string; name: string }[] = [];
  for (const table of RECORD_TABLES) {
    const base = table.toLowerCase();
    if (dialect === 'sqlite') names.push({ table, name: `${base}_no_update` }, { table, name: `${base}_no_delete` });
    else names.push({ table, name: `${base}_append_only` }, { table, name: `${base}_no_truncate` });
  }
  names.push({ table: AUDIT_TABLES.head, name: 'audit_chain_head_forward_only' }, { table: AUDIT_TABLES.head, name: 'audit_chain_head_no_delete' });
  if (dialect === 'postgresql') names.push({ table: AUDIT_TABLES.head, name: 'audit_chain_head_no_truncate' });
  return names;
}

function sqliteTriggerSql(table: string, name: string): string {
  const refuse = (what: string) => `SELECT RAISE(ABORT, 'audit trail is append-only: ${what} on ${table} refused');`;
  if (name.endsWith('_no_update')) return `CREATE TRIGGER IF NOT EXISTS "${name}" BEFORE UPDATE ON "${table}" BEGIN ${refuse('UPDATE')} END`;
  if (name === 'audit_chain_head_forward_only') {
    return `CREATE TRIGGER IF NOT EXISTS "${name}" BEFORE UPDATE ON "${table}" WHEN NEW.sequence < OLD.sequence OR NEW.id <> OLD.id BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: the chain head only moves forward'); END`;
  }
  return `CREATE TRIGGER IF NOT EXISTS "${name}" BEFORE DELETE ON "${table}" BEGIN ${refuse('DELETE')} END`;
}

function postgresTriggerSql(table: string, name: string): string {
  if (name === 'audit_chain_head_forward_only') {
    return `CREATE TRIGGER "${name}" BEFORE UPDATE ON "${table}" FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()`;
  }
  if (name.endsWith('_no_truncate')) return `CREATE TRIGGER "${name}" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`;
  if (name.endsWith('_no_delete')) return `CREATE TRIGGER "${name}" BEFORE DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`;
  return `CREATE TRIGGER "${name}" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`;
}

const POSTGRES_FUNCTIONS = [
  `CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$`,
  `CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.sequence < OLD.sequence OR NEW.id <> OLD.id THEN
    RAISE EXCEPTION 'audit trail is append-only: the chain head only moves forward' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$`,
];

/** Installs the append-only triggers: all, or `names` only, or those of `tables` only (a migration's own). */
async function installAppendOnlyTriggers(knex: Knex, dialect: AuditDialect, only: { names?: Set<string>; tables?: Set<string> } = {}): Promise<void> {
  if (dialect === 'postgresql') for (const sql of POSTGRES_FUNCTIONS) await knex.raw(sql);
  for (const { table, name } of appendOnlyTriggerNames(dialect)) {
    if (only.names && !only.names.has(name)) continue;
    if (only.tables && !only.tables.has(table)) continue;
    await knex.raw(dialect === 'sqlite' ? sqliteTriggerSql(table, name) : postgresTriggerSql(table, name));
  }
}

/** The append-only triggers that are missing (someone with DBA rights dropped them). */
export async function missingAppendOnlyTriggers(knex: Knex, dialect: AuditDialect): Promise<string[]> {
  const expected = appendOnlyTriggerNames(dialect);
  let present: Set<string>;
  if (dialect === 'sqlite') {
    const rows: { name: string }[] = await knex.raw("select name from sqlite_master where type = 'trigger'");
    present = new Set(rows.map((row) => row.name));
  } else {
    const result = await knex.raw(
      `select t.tgname as name from pg_trigger t
       where not t.tgisinternal and t.tgrelid in (${RECORD_TABLES.concat(AUDIT_TABLES.head).map(() => 'to_regclass(?)').join(', ')})`,
      [...RECORD_TABLES, AUDIT_TABLES.head].map((table) => `"${table}"`),
    );
    present = new Set((result.rows as { name: string }[]).map((row) => row.name));
  }
  return expected.map((trigger) => trigger.name).filter((name) => !present.has(name));
}

/**
 * Puts back any append-only trigger that is missing; touches nothing when all are there (so a
 * store opens on a read-only file, and then refuses appends).
 */
export async function ensureAppendOnlyTriggers(knex: Knex, dialect: AuditDialect): Promise<string[]> {
  const missing = await missingAppendOnlyTriggers(knex, dialect);
  if (missing.length === 0) return missing;
  try {
    await installAppendOnlyTriggers(knex, dialect, { names: new Set(missing) });
  } catch (error) {
    // Two processes opening at once may both install: what counts is that they are there now.
    if ((await missingAppendOnlyTriggers(knex, dialect)).length > 0) throw error;
  }
  return missing;
}
