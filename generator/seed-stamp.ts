import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LEGACY_SUBGRAPH_ENDPOINTS } from '../lib/subgraphs';
import { PROJECT_ROOT } from '../lib/project-root';

/**
 * A stamp beside seeded SQLite files recording which legacy-table layout they were built with.
 * `npm start` reseeds when the layout has changed since (a column added to a migration), instead
 * of starting subgraphs that would fail on their first query.
 */

const STAMP_FILE = 'seed-stamp.json';

export function legacySchemaFingerprint(): string {
  const hash = crypto.createHash('sha256');
  for (const endpoint of LEGACY_SUBGRAPH_ENDPOINTS) {
    hash.update(fs.readFileSync(path.join(PROJECT_ROOT, 'subgraphs', endpoint.name, 'legacy', 'migrations.ts')));
    hash.update(fs.readFileSync(path.join(PROJECT_ROOT, 'subgraphs', endpoint.name, 'legacy', 'seed-writer.ts')));
  }
  return hash.digest('hex');
}

export function writeSeedStamp(dataDir: string, details: { seed: string; residents: number }): void {
  fs.writeFileSync(path.join(dataDir, STAMP_FILE), `${JSON.stringify({ ...details, legacySchema: legacySchemaFingerprint() }, null, 2)}\n`);
}

/** True when the data folder was seeded with today's migrations and seed writers. */
export function seedStampIsCurrent(dataDir: string): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(dataDir, STAMP_FILE), 'utf8')) as { legacySchema?: string };
    return stamp.legacySchema === legacySchemaFingerprint();
  } catch {
    return false;
  }
}
