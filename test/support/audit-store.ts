import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { auditSqliteConfig } from '../../lib/audit/config';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditEntryInput } from '../../lib/audit/types';
import { createSchema } from './postgres';

/**
 * Audit stores for the store and verify suites: a fresh SQLite file, or a fresh schema of the
 * run's PostgreSQL database (TEST_PG_URL), with a second, raw connection playing the attacker
 * with DBA rights (it may drop the append-only triggers and rewrite rows).
 */
export interface ScratchAuditStore {
  dialect: 'sqlite' | 'postgresql';
  store: AuditStore;
  /** The same database through its own connection, as a DBA would reach it. */
  raw: Knex;
  config: Knex.Config;
  /** Environment that points the scripts (npm run audit:verify) at this store. */
  env: NodeJS.ProcessEnv;
  /** Another store on the same database: a second gateway process. */
  openAnother(): Promise<AuditStore>;
  /** A store on the same database through a read-only connection. */
  openReadOnly(): Promise<AuditStore>;
  cleanup(): Promise<void>;
}

export interface AuditDialectCase {
  name: 'sqlite' | 'postgresql';
  open(): Promise<ScratchAuditStore>;
}

async function openSqlite(): Promise<ScratchAuditStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-store-'));
  const file = path.join(dir, 'audit.sqlite');
  const config = auditSqliteConfig(file);
  const store = await openAuditStore({ config });
  const raw = knexFactory({ ...auditSqliteConfig(file), pool: { min: 0, max: 1 } });
  const others: AuditStore[] = [];
  return {
    dialect: 'sqlite',
    store,
    raw,
    config,
    env: { ...process.env, AUDIT_DB_CLIENT: 'better-sqlite3', AUDIT_DB_FILE: file },
    async openAnother() {
      const other = await openAuditStore({ config: auditSqliteConfig(file) });
      others.push(other);
      return other;
    },
    async openReadOnly() {
      const other = await openAuditStore({ config: { ...auditSqliteConfig(file), connection: { filename: file, options: { readonly: true } } } });
      others.push(other);
      return other;
    },
    async cleanup() {
      for (const other of others) await other.close();
      await store.close();
      await raw.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<ScratchAuditStore> {
  const url = process.env.TEST_PG_URL!;
  const schema = `audit_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await createSchema(schema);
  const pgConfig = (): Knex.Config => ({ client: 'pg', connection: { connectionString: url }, searchPath: [schema], pool: { min: 0, max: 4 } });
  const config = pgConfig();
  const store = await openAuditStore({ config });
  const raw = knexFactory({ ...pgConfig(), pool: { min: 0, max: 1 } });
  const others: AuditStore[] = [];
  const schemaUrl = new URL(url);
  schemaUrl.searchParams.set('options', `-c search_path=${schema}`);
  return {
    dialect: 'postgresql',
    store,
    raw,
    config,
    env: { ...process.env, AUDIT_DB_CLIENT: 'pg', AUDIT_DB_URL: schemaUrl.toString() },
    async openAnother() {
      const other = await openAuditStore({ config: pgConfig() });
      others.push(other);
      return other;
    },
    async openReadOnly() {
      const config = pgConfig();
      const other = await openAuditStore({ config: { ...config, connection: { connectionString: url, options: '-c default_transaction_read_only=on' } } });
      others.push(other);
      return other;
    },
    async cleanup() {
      for (const other of others) await other.close();
      await store.close();
      await raw.raw('drop schema if exists ?? cascade', [schema]);
      await raw.destroy();
    },
  };
}

/** SQLite always; PostgreSQL when the run has a database. */
export function auditDialects(): AuditDialectCase[] {
  const cases: AuditDialectCase[] = [{ name: 'sqlite', open: openSqlite }];
  if (process.env.TEST_PG_URL) cases.push({ name: 'postgresql', open: openPostgres });
  return cases;
}

/** What an attacker with DBA rights does first: drop every trigger on the audit tables. */
export async function dropAuditTriggers(scratch: ScratchAuditStore): Promise<void> {
  if (scratch.dialect === 'sqlite') {
    const rows: { name: string }[] = await scratch.raw.raw("select name from sqlite_master where type = 'trigger'");
    for (const { name } of rows) await scratch.raw.raw('drop trigger ??', [name]);
    return;
  }
  const result = await scratch.raw.raw(
    `select t.tgname as name, c.relname as "table" from pg_trigger t join pg_class c on c.oid = t.tgrelid
     where not t.tgisinternal and c.relnamespace = current_schema()::regnamespace`,
  );
  for (const { name, table } of result.rows as { name: string; table: string }[]) await scratch.raw.raw('drop trigger ?? on ??', [name, table]);
}

let counter = 0;

/** An audit entry with plausible values; `overrides` replace fields. */
export function auditEntry(overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  counter += 1;
  return {
    kind: 'OPERATION',
    occurredAt: '2026-04-01T10:00:00+09:00',
    requestId: `req-${counter}`,
    subject: 'tanaka',
    department: 'citizen',
    roles: ['clerk'],
    purpose: 'resident-record',
    mfa: true,
    clientName: 'madoguchi',
    clientVersion: '1.2.0',
    caseReference: null,
    operationName: 'ResidentCard',
    operationHash: 'ab'.repeat(32),
    decision: 'GRANTED',
    grantedFields: ['Resident.name', 'Resident.address'],
    deniedFields: [],
    personIds: ['0000000001'],
    ruleVersion: 'rules-1',
    errorCodes: [],
    detail: null,
    ...overrides,
  };
}
