import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.WARD_TEST_DATA_DIR;
  if (dir && dir.includes('ward-test-data-')) fs.rmSync(dir, { recursive: true, force: true });
}
