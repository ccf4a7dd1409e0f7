import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedAll } from '../../scripts/seeding/seed-all';
import { REFERENCE_DATE } from '../../generator/dates';
import { createThrowawayDatabase, postgresAdminUrl } from './postgres';
import { pingRedis, redisUrl } from './redis';

/** Residents in the shared test dataset: enough for a 1,000-row page of living residents. */
export const TEST_RESIDENTS = 1500;

/**
 * Once per run: one synthetic dataset that the suites open through the subgraphs, and one
 * throwaway PostgreSQL database (see postgres.ts).
 */
export default async function globalSetup(): Promise<void> {
  // The synthetic world is laid out around a fixed date; the subgraphs' "today" follows it.
  process.env.WARD_AS_OF_DATE ??= REFERENCE_DATE;
  // Suites count the statements of every aggregate they ask for; the aggregate cache has its own
  // test (test/subgraphs/shared/statistics-cache.test.ts), which turns it on.
  process.env.STATISTICS_CACHE_SECONDS ??= '0';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-test-data-'));
  await seedAll({ residents: TEST_RESIDENTS, dataDir });
  process.env.WARD_TEST_DATA_DIR = dataDir;
  // Subgraphs started directly by a suite verify gateway identities with this dev key pair, and
  // the suite signs with it (test/support/gateway-identity.ts): never the repository's data/.
  process.env.GATEWAY_IDENTITY_DEV_KEYS_PATH = path.join(dataDir, 'gateway-identity-keys.json');

  await findRedis();

  if (process.env.TEST_PG_URL) return; // the caller brought its own database
  try {
    const database = await createThrowawayDatabase();
    process.env.TEST_PG_URL = database.url;
    process.env.WARD_TEST_PG_DATABASE = database.name;
  } catch (error) {
    const message = `No throwaway PostgreSQL database could be created at ${new URL(postgresAdminUrl()).host} (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${message}: the PostgreSQL tests cannot run, and under CI they must.`);
    console.warn(`\n!! ${message}: the PostgreSQL suites are SKIPPED on this machine.\n`);
  }
}

/** The shared limit counters' Redis (test/support/redis.ts): TEST_REDIS_URL when one answers. */
async function findRedis(): Promise<void> {
  if (process.env.TEST_REDIS_URL) return;
  try {
    await pingRedis(redisUrl());
    process.env.TEST_REDIS_URL = redisUrl();
  } catch (error) {
    const message = `No Redis answers at ${new URL(redisUrl()).host} (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${message}: the shared-limit tests cannot run, and under CI they must.`);
    console.warn(`\n!! ${message}: the Redis suites are SKIPPED on this machine.\n`);
  }
}
