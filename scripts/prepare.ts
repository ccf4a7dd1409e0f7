/**
 * What a start script makes sure of before it starts any service: the legacy databases are
 * seeded and the supergraph is composed from the current SDL files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';
import { LEGACY_SUBGRAPH_ENDPOINTS, SUBGRAPH_ENDPOINTS } from '../lib/subgraphs';
import { databaseConfig, sqliteFileOf } from '../subgraphs/shared/database';
import { seedStampIsCurrent } from '../generator/seed-stamp';
import { DEFAULT_SUPERGRAPH_FILE, runCompose } from './compose';
import type { Supervisor } from './supervisor';

const SEED_RESIDENTS = '10000';

export function requireFile(relative: string, what: string): void {
  if (!fs.existsSync(path.join(PROJECT_ROOT, relative))) throw new Error(`${relative} not found: ${what}`);
}

/**
 * Seeds the four legacy SQLite databases (10,000 residents) when one is missing or was seeded
 * for another table layout. The SQLite files the subgraphs will open (DATA_DIR and
 * <PREFIX>_DB_FILE respected); a server database (<PREFIX>_DB_CLIENT=pg or mssql) is never seeded
 * from here. The audit subgraph's store has no seed (lib/audit/store.ts creates it on first use).
 */
export async function ensureSeeded(supervisor: Supervisor, say: (line: string) => void): Promise<void> {
  const databases = LEGACY_SUBGRAPH_ENDPOINTS.map((endpoint) => sqliteFileOf(databaseConfig(endpoint.name))).filter((file): file is string => file !== null);
  const missing = databases.filter((file) => !fs.existsSync(file)).map((file) => path.relative(PROJECT_ROOT, file));
  const stale = [...new Set(databases.map((file) => path.dirname(file)))].filter((dir) => !seedStampIsCurrent(dir));
  if (missing.length === 0 && stale.length === 0) return;
  requireFile('scripts/seed.ts', 'cannot create the databases');
  const why = missing.length > 0 ? `${missing.join(', ')} missing` : 'the legacy table layout changed since the last seed';
  say(`seeding (${why}): scripts/seed.ts --residents ${SEED_RESIDENTS}`);
  const seed = supervisor.spawnTs('seed', 'scripts/seed.ts', ['--residents', SEED_RESIDENTS], process.env, false);
  const code = await seed.exited;
  if (code !== 0) throw new Error(`seeding failed (exit code ${code})`);
}

/** Composes the supergraph when it is missing or older than a subgraph SDL. */
export function ensureSupergraph(say: (line: string) => void): void {
  const supergraph = path.join(PROJECT_ROOT, DEFAULT_SUPERGRAPH_FILE);
  const supergraphTime = fs.existsSync(supergraph) ? fs.statSync(supergraph).mtimeMs : -1;
  const stale = SUBGRAPH_ENDPOINTS.filter((endpoint) => {
    const file = path.join(PROJECT_ROOT, endpoint.schemaFile);
    return fs.existsSync(file) && fs.statSync(file).mtimeMs > supergraphTime;
  });
  if (supergraphTime >= 0 && stale.length === 0) return;
  say(supergraphTime < 0 ? 'composing the supergraph (missing)' : `composing the supergraph (${stale.map((endpoint) => endpoint.schemaFile).join(', ')} changed)`);
  if (runCompose({ out: (line) => say(line) }) !== 0) throw new Error('composition failed');
}
