import path from 'node:path';
import type { Knex } from 'knex';
import { PROJECT_ROOT } from '../project-root';

/**
 * Where the audit trail lives, from the environment:
 *   AUDIT_DB_CLIENT    better-sqlite3 (default) | pg
 *   AUDIT_DB_FILE      SQLite file (default data/audit.sqlite, or $DATA_DIR/audit.sqlite)
 *   AUDIT_DB_URL       connection string for pg (postgres://…; a schema through
 *                      `?options=-c%20search_path%3D<schema>`)
 *   AUDIT_DB_POOL_MAX  pool size for pg (default 5: appends use one connection at a time)
 */
export type AuditDatabaseClient = 'better-sqlite3' | 'pg';

export class AuditConfigError extends Error {
  readonly code = 'AUDIT_CONFIG';
}

export function defaultAuditFile(env: NodeJS.ProcessEnv = process.env): string {
  const dataDir = path.resolve(env.DATA_DIR ?? path.join(PROJECT_ROOT, 'data'));
  return path.join(dataDir, 'audit.sqlite');
}

export function auditSqliteConfig(filename: string): Knex.Config {
  return { client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true };
}

export function auditDatabaseConfig(env: NodeJS.ProcessEnv = process.env): Knex.Config {
  const client = (env.AUDIT_DB_CLIENT ?? 'better-sqlite3') as AuditDatabaseClient;
  switch (client) {
    case 'better-sqlite3':
      return auditSqliteConfig(path.resolve(env.AUDIT_DB_FILE ?? defaultAuditFile(env)));
    case 'pg': {
      const connectionString = env.AUDIT_DB_URL;
      if (!connectionString) throw new AuditConfigError('AUDIT_DB_URL is required when AUDIT_DB_CLIENT=pg');
      return {
        client: 'pg',
        connection: { connectionString, connectionTimeoutMillis: 5000 },
        pool: { min: 0, max: Number(env.AUDIT_DB_POOL_MAX ?? 5) },
        acquireConnectionTimeout: 10000,
      };
    }
    default:
      throw new AuditConfigError(`AUDIT_DB_CLIENT must be better-sqlite3 or pg (got "${String(client)}")`);
  }
}

/** 'sqlite' or 'postgresql' for a knex configuration the store accepts. */
export function auditDialectOf(config: Knex.Config): 'sqlite' | 'postgresql' {
  const client = config.client;
  if (client === 'better-sqlite3' || client === 'sqlite3') return 'sqlite';
  if (client === 'pg' || client === 'postgres' || client === 'postgresql') return 'postgresql';
  throw new AuditConfigError(`the audit store runs on better-sqlite3 or pg (got "${String(client)}")`);
}
