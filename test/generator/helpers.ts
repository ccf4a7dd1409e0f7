import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedAll, type SeedOptions, type SeedReport } from '../../scripts/seeding/seed-all';
import { LEGACY_SUBGRAPH_NAMES, type LegacySubgraphName } from '../../lib/subgraphs';

/** The parts of a better-sqlite3 connection the tests use (the package ships no type declarations here). */
export interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  iterate(...params: unknown[]): IterableIterator<unknown>;
  raw(): SqliteStatement;
}
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDatabase;

/** Seeds the four SQLite databases into a fresh temp dir. */
export async function seedTemp(options: Omit<SeedOptions, 'dataDir'>): Promise<{ dir: string; report: SeedReport }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'generator-test-'));
  // The test must not inherit a pg configuration from the shell.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  const report = await seedAll({ ...options, dataDir: dir, env });
  return { dir, report };
}

export function openReadonly(dir: string, name: LegacySubgraphName): SqliteDatabase {
  return new Database(path.join(dir, `${name}.sqlite`), { readonly: true, fileMustExist: true });
}

export type Databases = Record<LegacySubgraphName, SqliteDatabase>;

export function openAll(dir: string): Databases {
  return Object.fromEntries(LEGACY_SUBGRAPH_NAMES.map((name) => [name, openReadonly(dir, name)])) as Databases;
}

export function closeAll(dbs: Databases): void {
  for (const db of Object.values(dbs)) db.close();
}

/** User tables of a database, without knex's bookkeeping (its migration_time is the clock's). */
export function userTables(db: SqliteDatabase): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'knex%' AND name NOT LIKE 'sqlite%' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );
}

/** sha256 per table over every row in insertion order, values JSON-encoded. */
export function tableChecksums(db: SqliteDatabase): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const table of userTables(db)) {
    const hash = crypto.createHash('sha256');
    for (const row of db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
    sums[table] = hash.digest('hex');
  }
  return sums;
}

/** Index definitions, to check the deferred indexes came back exactly as the migrations made them. */
export function indexDefinitions(db: SqliteDatabase): string[] {
  return (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { sql: string }[]).map((r) => r.sql);
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Trims CHAR padding (ASCII and full-width spaces); blank → ''. */
export function trim(value: unknown): string {
  return typeof value === 'string' ? value.replace(/^[ \u3000]+|[ \u3000]+$/g, '') : '';
}
