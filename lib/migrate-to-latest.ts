import type { Knex } from 'knex';

/**
 * Runs a store's pending migrations, when there are any (a store already at its latest version
 * writes nothing, so a read-only role can open it).
 *
 * Processes that start together on one database take turns. Without that, knex's own guard loses
 * the race on a fresh database: two processes each create the `<table>_lock` table's row, after
 * which every start — that one and every later one — fails with "Migration table is already
 * locked" (two gateways starting against one PostgreSQL database, CI of 2026-12-04). So the
 * whole check-and-migrate is one transaction: on PostgreSQL it first takes an advisory lock keyed
 * by the schema and the migration table (released with the transaction, or if its holder dies);
 * SQLite has one writer per file, and a process that meets another's write waits and tries again.
 */
export async function migrateToLatest(knex: Knex, config: Knex.MigratorConfig): Promise<void> {
  const postgres = isPostgres(knex);
  await retryWhileBusy(() =>
    // One transaction on one connection: knex's migrator accepts a transaction as its knex, and
    // then checks, creates its tables and migrates inside it (nested as savepoints).
    knex.transaction(async (trx) => {
      if (postgres) await trx.raw("select pg_advisory_xact_lock(hashtext(current_schema() || '.' || ?))", [config.tableName ?? 'knex_migrations']);
      const [, pending] = (await trx.migrate.list(config)) as [unknown[], unknown[]];
      if (pending.length > 0) await trx.migrate.latest(config);
    }),
  );
}

/** How long a starting process waits for another to finish migrating before it gives up. */
const WAIT_MS = 60_000;

/** SQLite: a writer that meets another (SQLITE_BUSY, or knex's lock) rolls back, waits and tries again. */
async function retryWhileBusy(migrate: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await migrate();
    } catch (error) {
      const busy = String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY') || (error as Error).name === 'MigrationLocked';
      if (!busy || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 150)));
    }
  }
}

function isPostgres(knex: Knex): boolean {
  return ['pg', 'postgres', 'postgresql'].includes(String(knex.client.config.client));
}
