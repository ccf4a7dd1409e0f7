import path from 'node:path';
import fs from 'node:fs';
import { ensurePrivateSqliteFile } from '../../lib/private-files';
import knexFactory, { type Knex } from 'knex';
import { envPrefix, type LegacySubgraphName, type SubgraphName } from '../../lib/subgraphs';
import { migrateToLatest as migrateStoreToLatest } from '../../lib/migrate-to-latest';
import type { LegacyMigration } from './legacy-schema';
import { PROJECT_ROOT } from '../../lib/project-root';

export type DatabaseClient = 'better-sqlite3' | 'pg' | 'mssql';

export function defaultDataDir(): string {
  return path.resolve(process.env.DATA_DIR ?? path.join(PROJECT_ROOT, 'data'));
}

export function defaultSqliteFile(name: SubgraphName, dataDir = defaultDataDir()): string {
  return path.join(dataDir, `${name}.sqlite`);
}

/** The knex configuration of a SQLite file (better-sqlite3). */
export function sqliteConfig(filename: string): Knex.Config {
  return { client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true };
}

/** The SQLite file a configuration opens, or null for a server database. */
export function sqliteFileOf(config: Knex.Config): string | null {
  return config.client === 'better-sqlite3' ? (config.connection as { filename: string }).filename : null;
}

export class DatabaseConfigError extends Error {
  readonly code = 'DATABASE_CONFIG';
}

/**
 * The knex configuration of one subgraph's legacy database, from the environment:
 *   <PREFIX>_DB_CLIENT   better-sqlite3 (default) | pg | mssql
 *   <PREFIX>_DB_FILE     SQLite file (default data/<name>.sqlite)
 *   <PREFIX>_DB_URL      connection string for pg (postgres://…)
 *   <PREFIX>_DB_HOST, _DB_PORT, _DB_USER, _DB_PASSWORD, _DB_NAME, _DB_ENCRYPT   for mssql
 *   <PREFIX>_DB_POOL_MAX pool size for server databases (default 10)
 */
export function databaseConfig(name: SubgraphName, env: NodeJS.ProcessEnv = process.env): Knex.Config {
  const prefix = envPrefix(name);
  const client = (env[`${prefix}_DB_CLIENT`] ?? 'better-sqlite3') as DatabaseClient;
  const poolMax = Number(env[`${prefix}_DB_POOL_MAX`] ?? 10);
  switch (client) {
    case 'better-sqlite3':
      return sqliteConfig(path.resolve(env[`${prefix}_DB_FILE`] ?? defaultSqliteFile(name)));
    case 'pg': {
      const connectionString = env[`${prefix}_DB_URL`];
      if (!connectionString) throw new DatabaseConfigError(`${prefix}_DB_URL is required when ${prefix}_DB_CLIENT=pg`);
      return { client, connection: { connectionString }, pool: { min: 0, max: poolMax } };
    }
    case 'mssql': {
      const server = env[`${prefix}_DB_HOST`];
      const database = env[`${prefix}_DB_NAME`];
      if (!server || !database) {
        throw new DatabaseConfigError(`${prefix}_DB_HOST and ${prefix}_DB_NAME are required when ${prefix}_DB_CLIENT=mssql`);
      }
      return {
        client,
        connection: {
          server,
          port: Number(env[`${prefix}_DB_PORT`] ?? 1433),
          user: env[`${prefix}_DB_USER`],
          password: env[`${prefix}_DB_PASSWORD`],
          database,
          options: { encrypt: env[`${prefix}_DB_ENCRYPT`] !== 'false', trustServerCertificate: env[`${prefix}_DB_TRUST_CERT`] === 'true' },
        },
        pool: { min: 0, max: poolMax },
      };
    }
    default:
      throw new DatabaseConfigError(`${prefix}_DB_CLIENT must be better-sqlite3, pg or mssql (got "${String(client)}")`);
  }
}

/** Opens a knex client for one subgraph. SQLite files get WAL so readers never block the seeder. */
export function openDatabase(name: SubgraphName, config: Knex.Config = databaseConfig(name)): Knex {
  const filename = sqliteFileOf(config);
  if (filename !== null) {
    // Person records: the file (and a folder made for it) readable by its owner only.
    ensurePrivateSqliteFile(filename);
    return knexFactory({
      ...config,
      pool: {
        afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        },
      },
    });
  }
  return knexFactory(config);
}

/** One legacy system's migrations, handed in by the registry above (subgraphs/legacy-migrations.ts): this shared floor knows no system. */
export type LegacyMigrationSource = Knex.MigrationSource<LegacyMigration>;

/** Each system keeps its own migration log, so two systems may even share one database. */
function migratorConfig(name: LegacySubgraphName, migrations: LegacyMigrationSource): Knex.MigratorConfig {
  return { migrationSource: migrations, tableName: `knex_migrations_${envPrefix(name).toLowerCase()}` };
}

/** Replicas of one subgraph that start together on one database take turns (lib/migrate-to-latest.ts). */
export function migrateToLatest(name: LegacySubgraphName, db: Knex, migrations: LegacyMigrationSource): Promise<void> {
  return migrateStoreToLatest(db, migratorConfig(name, migrations));
}

/** Drops the legacy tables (all migrations down): for reseeding a server database. */
export async function migrateDownAll(name: LegacySubgraphName, db: Knex, migrations: LegacyMigrationSource): Promise<void> {
  await db.migrate.rollback(migratorConfig(name, migrations), true);
}
