import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { envPrefix, type SubgraphName } from '../../lib/subgraphs';
import { defaultSqliteFile, openDatabase, sqliteConfig } from '../../subgraphs/shared/database';

/**
 * PostgreSQL for the tests: this machine runs a server, and the data layer must work on a second
 * real dialect. Global setup creates one throwaway database per run and hands its URL to the
 * suites as TEST_PG_URL; global teardown drops it. Under CI=true a missing server fails the run;
 * on a developer's machine without PostgreSQL the PostgreSQL suites are skipped, loudly.
 *
 * A data-layer test runs on every dialect of `scratchDialects(name)`: SQLite always, and
 * PostgreSQL (a scratch schema of the run's database) when the run has one.
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

/** A connection to the run's database for schema DDL; short-lived, so no pool outlives its use. */
async function withAdmin<T>(run: (admin: Knex) => Promise<T>): Promise<T> {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error('TEST_PG_URL is not set: run the tests through jest (test/support/global-setup.ts creates the database)');
  const admin = knexFactory({ client: 'pg', connection: { connectionString: url }, pool: { min: 0, max: 1 } });
  try {
    return await run(admin);
  } finally {
    await admin.destroy();
  }
}

/** Creates a schema in the run's database (TEST_PG_URL); the database is dropped after the run. */
export async function createSchema(schema: string): Promise<void> {
  await withAdmin((admin) => admin.raw('create schema if not exists ??', [schema]));
}

/** The <PREFIX>_DB_* variables that point one subgraph (its seeder, or its process) at a schema of the run's database. */
export function postgresEnv(name: SubgraphName, schema: string): NodeJS.ProcessEnv {
  const prefix = envPrefix(name);
  return { [`${prefix}_DB_CLIENT`]: 'pg', [`${prefix}_DB_URL`]: schemaUrl(process.env.TEST_PG_URL!, schema) };
}

/** Where the seeder (scripts/seeding/seed-all.ts, seedAll) finds a scratch database: its data directory and environment. */
export interface ScratchTarget {
  /** A temporary directory, for SQLite files (those of the other subgraphs too, when seedAll writes them). */
  dataDir: string;
  /** The caller's environment, with this subgraph's <PREFIX>_DB_* pointing at the scratch database. */
  env: NodeJS.ProcessEnv;
}

export interface ScratchOptions {
  /** Fills the database before it is opened, e.g. `(target) => seedAll({ residents: 300, ...target })`. */
  prepare?(target: ScratchTarget): Promise<void>;
}

/** A subgraph's database for one test, and how to throw it away. */
export interface ScratchDatabase {
  db: Knex;
  cleanup(): Promise<void>;
}

/**
 * A fresh schema of the run's PostgreSQL database (TEST_PG_URL) for one subgraph, and a knex
 * client whose search_path is that schema; `cleanup` closes the client and drops the schema.
 */
export async function openPostgresScratchSchema(name: SubgraphName, options: ScratchOptions = {}): Promise<ScratchDatabase> {
  const connectionString = process.env.TEST_PG_URL!;
  const schema = `${envPrefix(name).toLowerCase()}_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const dropAll = async () => {
    await withAdmin((admin) => admin.raw('drop schema if exists ?? cascade', [schema]));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  await createSchema(schema);
  try {
    await options.prepare?.({ dataDir, env: { ...process.env, ...postgresEnv(name, schema) } });
  } catch (error) {
    await dropAll();
    throw error;
  }
  const db = openDatabase(name, { client: 'pg', connection: { connectionString }, searchPath: [schema], pool: { min: 0, max: 4 } });
  return {
    db,
    async cleanup() {
      await db.destroy();
      await dropAll();
    },
  };
}

/** A fresh SQLite file in a temporary directory for one subgraph; `cleanup` closes it and removes the directory. */
export async function openSqliteScratchFile(name: SubgraphName, options: ScratchOptions = {}): Promise<ScratchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const filename = defaultSqliteFile(name, dataDir);
  try {
    const prefix = envPrefix(name);
    await options.prepare?.({ dataDir, env: { ...process.env, [`${prefix}_DB_CLIENT`]: 'better-sqlite3', [`${prefix}_DB_FILE`]: filename } });
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const db = openDatabase(name, sqliteConfig(filename));
  return {
    db,
    async cleanup() {
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ScratchDialect {
  name: 'sqlite' | 'postgresql';
  /** A new scratch database of this dialect at each call. */
  open(): Promise<ScratchDatabase>;
}

/**
 * The dialects a data-layer test runs on, for `describe.each`: SQLite always, PostgreSQL when
 * the run has a database (TEST_PG_URL), so the adapters' SQL meets two real dialects.
 */
export function scratchDialects(name: SubgraphName, options: ScratchOptions = {}): ScratchDialect[] {
  const dialects: ScratchDialect[] = [{ name: 'sqlite', open: () => openSqliteScratchFile(name, options) }];
  if (process.env.TEST_PG_URL) dialects.push({ name: 'postgresql', open: () => openPostgresScratchSchema(name, options) });
  return dialects;
}
