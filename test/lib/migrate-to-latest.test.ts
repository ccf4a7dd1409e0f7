import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { auditSqliteConfig } from '../../lib/audit/config';
import { AUDIT_MIGRATION_TABLE, migrateAuditToLatest } from '../../lib/audit/migrations';
import { BULK_MIGRATION_TABLE, migrateBulkToLatest } from '../../lib/bulk/migrations';
import { migrateRulesToLatest, RULE_MIGRATION_TABLE } from '../../lib/rule-versions/migrations';
import { migrateTrustedToLatest, TRUSTED_MIGRATION_TABLE } from '../../lib/trusted-documents/migrations';
import { createSchema, describeWithPostgres } from '../support/postgres';

/**
 * Processes that start together on a fresh database (CI of 2026-12-04: two gateways on one
 * PostgreSQL database; one exited with "Migration table is already locked"). Each process is its
 * own knex with its own pool, as two gateways are; all of them migrate every store the gateway
 * keeps in the audit database at the same moment.
 */

const STORES = [
  { name: 'audit trail', migrate: migrateAuditToLatest, table: AUDIT_MIGRATION_TABLE },
  { name: 'bulk-output approvals', migrate: migrateBulkToLatest, table: BULK_MIGRATION_TABLE },
  { name: 'rule versions', migrate: migrateRulesToLatest, table: RULE_MIGRATION_TABLE },
  { name: 'trusted documents', migrate: migrateTrustedToLatest, table: TRUSTED_MIGRATION_TABLE },
];
const PROCESSES = 4;

async function startTogether(processes: Knex[]): Promise<PromiseSettledResult<void>[]> {
  return Promise.allSettled(processes.flatMap((db) => STORES.map((store) => store.migrate(db))));
}

/** Per store: migrations recorded twice, and the rows of knex's lock table (one; a second makes every later start fail as "already locked"). */
async function expectMigratedOnce(db: Knex): Promise<void> {
  const found = [];
  for (const store of STORES) {
    const applied = (await db(store.table).select('name')).map((row) => row.name as string);
    const lockRows = Number((await db(`${store.table}_lock`).count({ n: '*' }))[0].n);
    found.push({ store: store.name, recordedTwice: applied.length - new Set(applied).size, lockRows, applied: applied.length > 0 });
  }
  expect(found).toEqual(STORES.map((store) => ({ store: store.name, recordedTwice: 0, lockRows: 1, applied: true })));
}

function rejections(results: PromiseSettledResult<void>[]): string[] {
  return results.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((result) => String(result.reason?.message ?? result.reason));
}

describeWithPostgres('processes starting together on one PostgreSQL database', () => {
  test(`${PROCESSES} processes migrate the four audit-database stores at once: all start, each migration runs once, and the next start works`, async () => {
    const schema = `migrate_race_${process.pid}_${Date.now()}`;
    await createSchema(schema);
    const open = () => knexFactory({ client: 'pg', connection: { connectionString: process.env.TEST_PG_URL! }, searchPath: [schema], pool: { min: 0, max: 2 } });
    const processes = Array.from({ length: PROCESSES }, open);
    try {
      expect(rejections(await startTogether(processes))).toEqual([]);
      await expectMigratedOnce(processes[0]);
      const later = open();
      try {
        expect(rejections(await startTogether([later]))).toEqual([]);
      } finally {
        await later.destroy();
      }
    } finally {
      await Promise.all(processes.map((db) => db.destroy()));
    }
  });
});

test(`${PROCESSES} processes on one SQLite file migrate at once: all start, each migration runs once`, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-race-'));
  const file = path.join(dir, 'audit.sqlite');
  const processes = Array.from({ length: PROCESSES }, () => knexFactory({ ...auditSqliteConfig(file), pool: { min: 1, max: 1 } }));
  try {
    expect(rejections(await startTogether(processes))).toEqual([]);
    await expectMigratedOnce(processes[0]);
  } finally {
    await Promise.all(processes.map((db) => db.destroy()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
