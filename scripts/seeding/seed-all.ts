import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { LEGACY_SUBGRAPH_NAMES, envPrefix, type LegacySubgraphName } from '../../lib/subgraphs';
import {
  databaseConfig,
  defaultDataDir,
  defaultSqliteFile,
  openDatabase,
} from '../../subgraphs/shared/database';
import { migrateLegacyDownAll, migrateLegacyToLatest } from '../../subgraphs/legacy-migrations';
import { createResidentsSeedWriter } from '../../subgraphs/residents/legacy/seed-writer';
import { createJukiCsSeedWriter } from '../../subgraphs/juki-cs/legacy/seed-writer';
import { createIntermediateSeedWriter } from '../../subgraphs/intermediate/legacy/seed-writer';
import { createCardProgressSeedWriter } from '../../subgraphs/card-progress/legacy/seed-writer';
import { clientName } from '../../subgraphs/shared/legacy-writing/bulk-insert';
import type { SeedWriter, SeedWriterOptions } from '../../subgraphs/shared/legacy-writing/seed-writer';
import { DEFAULT_BATCH_HOUSEHOLDS, DEFAULT_SEED, generateWorld } from '../../generator/world';
import { writeSeedStamp } from '../../generator/seed-stamp';
import { FIXTURE_PERSON_COUNT } from '../../generator/fixtures';

/**
 * Builds the four legacy databases from one synthetic world: recreate, migrate, stream the
 * world through the four seed writers, report. SQLite files are deleted and created afresh;
 * a server database (pg) is migrated down and up again, so it must be one you may wipe.
 */

export interface SeedProgress {
  phase: 'prepare' | 'load' | 'index' | 'done';
  /** Persons written so far. */
  residents: number;
  households: number;
  totalResidents: number;
  elapsedMs: number;
}

export interface SeedOptions {
  /** Persons on the register file, 除票 included. */
  residents: number;
  seed?: string;
  /** Where the SQLite files go (default: DATA_DIR or data/). Overrides <PREFIX>_DB_FILE. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Households per batch and transaction. */
  batchSize?: number;
  /** SQLite: prepared statements instead of knex's query builder (default true). */
  sqliteFastPath?: boolean;
  /** SQLite: drop the secondary indexes during the load and build them afterwards (default true). */
  deferIndexes?: boolean;
  onProgress?(progress: SeedProgress): void;
}

export interface DatabaseReport {
  name: LegacySubgraphName;
  client: string;
  /** SQLite file, or null for a server database. */
  file: string | null;
  bytes: number | null;
  /** Rows per table. */
  tables: Record<string, number>;
}

export interface SeedReport {
  seed: string;
  residents: number;
  households: number;
  elapsedMs: number;
  databases: DatabaseReport[];
}

const WRITERS: Record<LegacySubgraphName, (db: Knex, options: SeedWriterOptions) => SeedWriter> = {
  residents: createResidentsSeedWriter,
  'juki-cs': createJukiCsSeedWriter,
  intermediate: createIntermediateSeedWriter,
  'card-progress': createCardProgressSeedWriter,
};

interface Target {
  name: LegacySubgraphName;
  db: Knex;
  file: string | null;
  writer: SeedWriter;
  deferredIndexes: { name: string; sql: string }[];
}

function removeSqliteFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

async function prepare(name: LegacySubgraphName, env: NodeJS.ProcessEnv, options: SeedOptions): Promise<Target> {
  const config = databaseConfig(name, env);
  let file: string | null = null;
  if (config.client === 'better-sqlite3') {
    file = (config.connection as { filename: string }).filename;
    removeSqliteFiles(file);
  }
  const db = openDatabase(name, config);
  try {
    if (file === null) {
      // A server database: back to empty through the migrations' own down().
      await migrateLegacyDownAll(name, db);
    }
    await migrateLegacyToLatest(name, db);
    const deferredIndexes: Target['deferredIndexes'] = [];
    if (file !== null) {
      // The file is new and rebuilt on any failure: durability during the load buys nothing.
      await db.raw('PRAGMA synchronous = OFF');
      // 32 MB of page cache per file: measured on 1M residents, 128 MB was no faster and doubled the RSS.
      await db.raw('PRAGMA cache_size = -32768');
      if (options.deferIndexes !== false) {
        const indexes = (await db.raw(
          "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE 'knex\\_%' ESCAPE '\\' ORDER BY name",
        )) as { name: string; sql: string }[];
        for (const index of indexes) {
          await db.raw(`DROP INDEX "${index.name.replace(/"/g, '""')}"`);
          deferredIndexes.push(index);
        }
      }
    }
    return { name, db, file, writer: WRITERS[name](db, { sqliteFastPath: options.sqliteFastPath }), deferredIndexes };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

async function countRows(db: Knex, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = (await db(table).count({ n: '*' })) as { n: number | string }[];
    counts[table] = Number(row.n);
  }
  return counts;
}

export async function seedAll(options: SeedOptions): Promise<SeedReport> {
  const started = Date.now();
  // Checked before any database is wiped.
  if (!Number.isSafeInteger(options.residents) || options.residents < FIXTURE_PERSON_COUNT) {
    throw new RangeError(`residents must be an integer of at least ${FIXTURE_PERSON_COUNT} (the fixed persons); got ${options.residents}`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  const dataDir = options.dataDir ?? env.DATA_DIR ?? defaultDataDir();
  if (options.dataDir !== undefined) {
    for (const name of LEGACY_SUBGRAPH_NAMES) env[`${envPrefix(name)}_DB_FILE`] = defaultSqliteFile(name, path.resolve(options.dataDir));
  } else {
    for (const name of LEGACY_SUBGRAPH_NAMES) env[`${envPrefix(name)}_DB_FILE`] ??= defaultSqliteFile(name, path.resolve(dataDir));
  }
  const progress = (phase: SeedProgress['phase'], residents: number, households: number): void =>
    options.onProgress?.({ phase, residents, households, totalResidents: options.residents, elapsedMs: Date.now() - started });

  progress('prepare', 0, 0);
  const targets: Target[] = [];
  try {
    for (const name of LEGACY_SUBGRAPH_NAMES) targets.push(await prepare(name, env, options));

    let residents = 0;
    let households = 0;
    for (const batch of generateWorld({ residents: options.residents, seed, batchSize: options.batchSize ?? DEFAULT_BATCH_HOUSEHOLDS })) {
      // Server databases load in parallel; SQLite writes are synchronous underneath anyway.
      await Promise.all(targets.map((t) => t.writer.writeBatch(batch)));
      households += batch.length;
      for (const household of batch) residents += household.members.length;
      progress('load', residents, households);
    }
    for (const target of targets) await target.writer.finish();

    progress('index', residents, households);
    for (const target of targets) {
      for (const index of target.deferredIndexes) await target.db.raw(index.sql);
      if (target.file !== null) {
        await target.db.raw('ANALYZE');
        await target.db.raw('PRAGMA synchronous = NORMAL');
      }
    }

    const databases: DatabaseReport[] = [];
    for (const target of targets) {
      databases.push({
        name: target.name,
        client: clientName(target.db),
        file: target.file,
        bytes: null,
        tables: await countRows(target.db, target.writer.tables),
      });
    }
    for (const target of targets.splice(0)) await target.db.destroy();
    for (const report of databases) {
      if (report.file !== null) report.bytes = fs.statSync(report.file).size;
    }
    progress('done', residents, households);
    const sqliteDirs = new Set(databases.filter((d) => d.file !== null).map((d) => path.dirname(d.file!)));
    for (const dir of sqliteDirs) writeSeedStamp(dir, { seed, residents });
    return { seed, residents, households, elapsedMs: Date.now() - started, databases };
  } finally {
    for (const target of targets) await target.db.destroy();
  }
}
