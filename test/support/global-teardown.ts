import fs from 'node:fs';
import { dropDatabase } from './postgres';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.WARD_TEST_DATA_DIR;
  if (dir && dir.includes('ward-test-data-')) fs.rmSync(dir, { recursive: true, force: true });
  const database = process.env.WARD_TEST_PG_DATABASE;
  if (database) await dropDatabase(database);
}
