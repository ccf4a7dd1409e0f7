import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedAll } from '../../generator/seed';

/** Residents in the shared test dataset: enough for a 1,000-row page of living residents. */
export const TEST_RESIDENTS = 1500;

/** Seeds one synthetic dataset for the whole run; suites open it read-only through the subgraphs. */
export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-test-data-'));
  await seedAll({ residents: TEST_RESIDENTS, dataDir });
  process.env.WARD_TEST_DATA_DIR = dataDir;
}
