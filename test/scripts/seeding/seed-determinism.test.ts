import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LEGACY_SUBGRAPH_NAMES } from '../../../lib/subgraphs';
import { seedAll } from '../../../scripts/seeding/seed-all';
import { closeAll, indexDefinitions, openAll, removeDir, seedTemp, tableChecksums } from '../../generator/helpers';

/**
 * Same seed and count → the same rows in every table of every database, whichever insert path
 * wrote them; another seed → other rows. (The files differ only in knex's migration table,
 * which records the wall-clock time of the migration.)
 */

type Checksums = Record<string, Record<string, string>>;

async function seedAndSum(options: { seed?: string; sqliteFastPath?: boolean; deferIndexes?: boolean; batchSize?: number }): Promise<{ sums: Checksums; indexes: Record<string, string[]> }> {
  const { dir } = await seedTemp({ residents: 300, ...options });
  const dbs = openAll(dir);
  try {
    const sums: Checksums = {};
    const indexes: Record<string, string[]> = {};
    for (const name of LEGACY_SUBGRAPH_NAMES) {
      sums[name] = tableChecksums(dbs[name]);
      indexes[name] = indexDefinitions(dbs[name]);
    }
    return { sums, indexes };
  } finally {
    closeAll(dbs);
    removeDir(dir);
  }
}

describe('seedAll determinism', () => {
  let reference: { sums: Checksums; indexes: Record<string, string[]> };

  beforeAll(async () => {
    reference = await seedAndSum({});
  });

  it('fills every legacy table', () => {
    for (const name of LEGACY_SUBGRAPH_NAMES) expect(Object.keys(reference.sums[name]).length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(reference.sums.residents)).toEqual(
      expect.arrayContaining(['JUMIN_KIHON', 'KOJIN_BANGO', 'SETAI', 'GAIKOKUJIN', 'IDO_RIREKI', 'SHOMEI_HAKKO_RIREKI', 'SHIEN_SOCHI', 'INKAN_TOROKU', 'BASHO_MST']),
    );
  });

  it('gives identical rows for the same seed and count', async () => {
    const again = await seedAndSum({});
    expect(again.sums).toEqual(reference.sums);
  });

  it('gives identical rows through knex query building, without deferred indexes, in other batch sizes', async () => {
    const viaKnex = await seedAndSum({ sqliteFastPath: false, deferIndexes: false, batchSize: 13 });
    expect(viaKnex.sums).toEqual(reference.sums);
    // Deferring the indexes must not lose or alter any.
    expect(reference.indexes).toEqual(viaKnex.indexes);
    expect(reference.indexes.residents.length).toBeGreaterThanOrEqual(6);
  });

  it('gives different rows for another seed', async () => {
    const other = await seedAndSum({ seed: 'another-seed' });
    expect(other.sums.residents.JUMIN_KIHON).not.toBe(reference.sums.residents.JUMIN_KIHON);
    expect(other.sums['juki-cs'].HONNIN_KAKUNIN).not.toBe(reference.sums['juki-cs'].HONNIN_KAKUNIN);
    // Code tables do not depend on the seed.
    expect(other.sums.residents.BASHO_MST).toBe(reference.sums.residents.BASHO_MST);
  });
});

describe('seedAll arguments', () => {
  it('refuses a count below the fixed persons before touching any database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'generator-test-'));
    try {
      await expect(seedAll({ residents: 3, dataDir: dir, env: { PATH: process.env.PATH } })).rejects.toThrow(RangeError);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      removeDir(dir);
    }
  });
});
