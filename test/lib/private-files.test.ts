import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import { openAuditStore } from '../../lib/audit/store';
import { auditSqliteConfig } from '../../lib/audit/config';
import { openDatabase, sqliteConfig } from '../../subgraphs/shared/database';

/**
 * Data files readable by their owner only (issue 10: `data/*.sqlite` were created 0644): the
 * subgraph databases, the audit store and the dev keys, with the folders made for them, under
 * the usual umask 022 (the modes come from the code, not from the umask).
 */

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
let root: string;
const savedUmask = process.umask(0o022);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-modes-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
afterAll(() => process.umask(savedUmask));

test('a subgraph database, its WAL files and the folder made for it: 0600 and 0700', async () => {
  const file = path.join(root, 'data', 'residents.sqlite');
  const db = openDatabase('residents', sqliteConfig(file));
  try {
    await db.raw('CREATE TABLE t (x INTEGER)');
    await db.raw('INSERT INTO t VALUES (1)');
    expect(modeOf(path.dirname(file)).toString(8)).toBe('700');
    for (const name of [file, `${file}-wal`, `${file}-shm`]) expect([name, modeOf(name).toString(8)]).toEqual([name, '600']);
  } finally {
    await db.destroy();
  }
});

test('the audit store: 0600 in a 0700 folder', async () => {
  const file = path.join(root, 'audit', 'audit.sqlite');
  const store = await openAuditStore({ config: auditSqliteConfig(file) });
  try {
    expect(modeOf(path.dirname(file)).toString(8)).toBe('700');
    for (const name of fs.readdirSync(path.dirname(file))) expect([name, modeOf(path.join(path.dirname(file), name)).toString(8)]).toEqual([name, '600']);
  } finally {
    await store.close();
  }
});

test('the dev keys: 0600 in a 0700 folder', async () => {
  const file = path.join(root, 'keys', 'dev-keys.json');
  await loadOrCreateDevKeys(file);
  expect(modeOf(path.dirname(file)).toString(8)).toBe('700');
  expect(modeOf(file).toString(8)).toBe('600');
});

test('an existing database keeps its bytes and its mode (a deployment may share it on purpose)', async () => {
  const file = path.join(root, 'shared.sqlite');
  fs.writeFileSync(file, '');
  fs.chmodSync(file, 0o640);
  const db = openDatabase('residents', sqliteConfig(file));
  await db.raw('SELECT 1');
  await db.destroy();
  expect(modeOf(file).toString(8)).toBe('640');
});
