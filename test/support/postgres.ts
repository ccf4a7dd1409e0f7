import knexFactory from 'knex';

/**
 * PostgreSQL for the tests: this machine runs a server, and the data layer must work on a second
 * real dialect. Global setup creates one throwaway database per run and hands its URL to the
 * suites as TEST_PG_URL; global teardown drops it. Under CI=true a missing server fails the run;
 * on a developer's machine without PostgreSQL the PostgreSQL suites are skipped, loudly.
 */

export function postgresAdminUrl(): string {
  return process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function createThrowawayDatabase(): Promise<{ url: string; name: string }> {
  const name = `ward_test_${process.pid}_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection: { connectionString: postgresAdminUrl(), connectionTimeoutMillis: 5000 }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw("create database ?? encoding 'UTF8' template template0", [name]);
  } finally {
    await admin.destroy();
  }
  return { url: withDatabase(postgresAdminUrl(), name), name };
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: { connectionString: postgresAdminUrl() }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('drop database if exists ?? with (force)', [name]);
  } finally {
    await admin.destroy();
  }
}

/** `describe` when the run has a PostgreSQL database, `describe.skip` otherwise (never under CI). */
export function describeWithPostgres(name: string, suite: () => void): void {
  (process.env.TEST_PG_URL ? describe : describe.skip)(name, suite);
}

/** A knex connection string for one subgraph inside the run's database, in its own schema. */
export function schemaUrl(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}
