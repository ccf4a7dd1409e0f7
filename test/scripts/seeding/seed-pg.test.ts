import knexFactory, { type Knex } from 'knex';
import { LEGACY_SUBGRAPH_NAMES } from '../../../lib/subgraphs';
import { seedAll } from '../../../scripts/seeding/seed-all';
import { describeWithPostgres, postgresEnv } from '../../support/postgres';
import { closeAll, openAll, removeDir, seedTemp, userTables } from '../../generator/helpers';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The pg path (plain knex inserts) writes the same rows as the SQLite path (prepared
 * statements). Runs when TEST_PG_URL is set; each database goes into a scratch schema.
 */

const RESIDENTS = 300;
const pgUrl = process.env.TEST_PG_URL;
const describePg = describeWithPostgres;

/** Rows as sorted JSON lines, so the two dialects' row orders do not matter. */
function sortedLines(rows: unknown[][]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort();
}

describePg('seedAll on PostgreSQL', () => {
  const schemas = LEGACY_SUBGRAPH_NAMES.map((name) => `seedgen_${name.replace(/-/g, '_')}_${process.pid}_${Date.now()}`);
  let admin: Knex;

  beforeAll(async () => {
    admin = knexFactory({ client: 'pg', connection: { connectionString: pgUrl } });
    for (const schema of schemas) await admin.raw('create schema ??', [schema]);
  });

  afterAll(async () => {
    if (!admin) return;
    for (const schema of schemas) await admin.raw('drop schema if exists ?? cascade', [schema]);
    await admin.destroy();
  });

  it('writes the same rows as SQLite, and seeds again over its own data', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    LEGACY_SUBGRAPH_NAMES.forEach((name, i) => Object.assign(env, postgresEnv(name, schemas[i])));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'generator-pg-'));
    try {
      // Twice: the second run must migrate down and up over the first one's tables.
      await seedAll({ residents: RESIDENTS, env, dataDir: scratch });
      const report = await seedAll({ residents: RESIDENTS, env, dataDir: scratch });
      for (const db of report.databases) {
        expect(db.client).toBe('pg');
        expect(db.file).toBeNull();
      }
      expect(report.databases.find((d) => d.name === 'residents')!.tables.JUMIN_KIHON).toBe(RESIDENTS);
    } finally {
      removeDir(scratch);
    }

    const { dir } = await seedTemp({ residents: RESIDENTS });
    const sqlite = openAll(dir);
    try {
      for (const [i, name] of LEGACY_SUBGRAPH_NAMES.entries()) {
        for (const table of userTables(sqlite[name])) {
          const expected = sortedLines(sqlite[name].prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][]);
          const columns = (sqlite[name].prepare(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`).all() as { name: string }[]).map((c) => c.name);
          const rows = (await admin.withSchema(schemas[i]).select(columns).from(table)) as Record<string, unknown>[];
          const actual = sortedLines(rows.map((row) => columns.map((c) => row[c])));
          expect([name, table, actual.length]).toEqual([name, table, expected.length]);
          expect(actual).toEqual(expected);
        }
      }
    } finally {
      closeAll(sqlite);
      removeDir(dir);
    }
  });
});
