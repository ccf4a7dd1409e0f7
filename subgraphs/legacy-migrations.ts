import type { Knex } from 'knex';
import type { LegacySubgraphName } from '../lib/subgraphs';
import { migrateDownAll, migrateToLatest, type LegacyMigrationSource } from './shared/database';
import { residentsMigrations } from './residents/legacy/migrations';
import { jukiCsMigrations } from './juki-cs/legacy/migrations';
import { intermediateMigrations } from './intermediate/legacy/migrations';
import { cardProgressMigrations } from './card-progress/legacy/migrations';

/**
 * The registry of the four legacy systems' migrations (the names themselves: lib/subgraphs.ts).
 * It sits above subgraphs/shared/ and hands each system's migrations down to the shared database
 * code, so the shared floor knows no room above it.
 */
export const LEGACY_MIGRATIONS: Readonly<Record<LegacySubgraphName, LegacyMigrationSource>> = {
  residents: residentsMigrations,
  'juki-cs': jukiCsMigrations,
  intermediate: intermediateMigrations,
  'card-progress': cardProgressMigrations,
};

/** Migrates one legacy system's database to its latest layout. */
export function migrateLegacyToLatest(name: LegacySubgraphName, db: Knex): Promise<void> {
  return migrateToLatest(name, db, LEGACY_MIGRATIONS[name]);
}

/** Drops one legacy system's tables (all migrations down): for reseeding a server database. */
export function migrateLegacyDownAll(name: LegacySubgraphName, db: Knex): Promise<void> {
  return migrateDownAll(name, db, LEGACY_MIGRATIONS[name]);
}
