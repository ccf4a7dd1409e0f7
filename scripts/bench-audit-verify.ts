/**
 * `npx tsx scripts/bench-audit-verify.ts [--records 1000000] [--keep]`
 * Not a test: a measurement. Builds a chain of N synthetic audit records into a temporary SQLite
 * file (hashes computed as the store computes them, rows written through one prepared statement
 * per table in large transactions, side tables included: persons, and each distinct field set once
 * as the store writes them since migration 004), then times `verify()` over it; then
 * times appends through the store (one entry per call in sequence, 200 callers at once, 100
 * entries per call) on a fresh file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { GENESIS_HASH, recordHash } from '../lib/audit/chain';
import { auditSqliteConfig } from '../lib/audit/config';
import { fieldSetOf } from '../lib/audit/field-sets';
import { sideRows } from '../lib/audit/rows';
import { openAuditStore, recordToRow } from '../lib/audit/store';
import type { AuditEntryInput, AuditRecord } from '../lib/audit/types';

const DECISIONS = ['GRANTED', 'GRANTED', 'GRANTED', 'PARTIAL', 'DENIED', 'FAILED', 'REFUSED'] as const;

function syntheticEntry(i: number): AuditEntryInput {
  const start = Date.UTC(2025, 3, 1);
  return {
    kind: 'OPERATION',
    occurredAt: new Date(start + i * 30_000).toISOString().replace('Z', '+00:00'),
    requestId: `bench-${i}`,
    subject: `user-${i % 400}`,
    department: ['citizen', 'tax', 'welfare', 'health', 'pension'][i % 5],
    roles: ['clerk'],
    purpose: 'resident-record',
    mfa: i % 3 !== 0,
    clientName: 'madoguchi',
    clientVersion: '1.2.0',
    caseReference: i % 4 === 0 ? `CASE-${i}` : null,
    operationName: 'ResidentCard',
    operationHash: 'ab'.repeat(32),
    decision: DECISIONS[i % DECISIONS.length],
    grantedFields: ['Resident.name', 'Resident.address', 'Resident.birthDate'],
    deniedFields: i % 7 === 4 ? [{ coordinate: 'Resident.individualNumber', policy: 'individual-number' }] : [],
    personIds: [String(i % 250_000).padStart(10, '0')],
    ruleVersion: 'rules-1',
    errorCodes: [],
    detail: null,
  };
}

interface SqliteDatabase {
  prepare(sql: string): { run(...params: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  pragma(sql: string): unknown;
}

async function build(file: string, records: number): Promise<number> {
  const store = await openAuditStore({ config: auditSqliteConfig(file) });
  await store.close();
  const db = knexFactory({ ...auditSqliteConfig(file), pool: { min: 1, max: 1 } });
  const conn = (await db.client.acquireConnection()) as SqliteDatabase;
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = OFF');
  const started = Date.now();
  const columns = [...Object.keys(recordToRow({ ...syntheticEntry(0), sequence: 1, recordedAt: '', previousHash: '', hash: '' })), 'field_set'];
  const insertLog = conn.prepare(`insert into AUDIT_LOG (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
  const insertPerson = conn.prepare('insert into AUDIT_PERSON (sequence, person_id) values (?, ?)');
  const insertFieldSetRow = conn.prepare('insert into AUDIT_FIELD_SET (field_set, position, coordinate, granted, policy) values (?, ?, ?, ?, ?)');
  const storedSets = new Set<string>();
  let previousHash = GENESIS_HASH;
  let sequence = 0;
  let recordedAt = '';
  const BATCH = 50_000;
  while (sequence < records) {
    const end = Math.min(records, sequence + BATCH);
    conn.transaction(() => {
      for (; sequence < end; ) {
        const entry = syntheticEntry(sequence);
        sequence += 1;
        recordedAt = new Date(Date.parse(entry.occurredAt) + 5).toISOString();
        const unhashed = { ...entry, sequence, recordedAt, previousHash };
        const record: AuditRecord = { ...unhashed, hash: recordHash(unhashed) };
        previousHash = record.hash;
        const side = sideRows(record);
        const set = fieldSetOf(side.fields);
        const row = { ...recordToRow(record), field_set: set?.id ?? null } as Record<string, unknown>;
        insertLog.run(...columns.map((column) => (typeof row[column] === 'boolean' ? Number(row[column]) : row[column])));
        for (const person of side.persons) insertPerson.run(sequence, person.person_id);
        if (set && !storedSets.has(set.id)) {
          storedSets.add(set.id);
          for (const field of set.rows) insertFieldSetRow.run(field.field_set, field.position, field.coordinate, field.granted ? 1 : 0, field.policy);
        }
      }
    })();
    if (sequence % 200_000 === 0 || sequence === records) process.stderr.write(`  built ${sequence.toLocaleString('en')} records\n`);
  }
  conn.prepare('update AUDIT_CHAIN_HEAD set sequence = ?, hash = ?, recorded_at = ? where id = 1').run(sequence, previousHash, recordedAt);
  await db.client.releaseConnection(conn);
  await db.destroy();
  return Date.now() - started;
}

async function appendThroughput(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const store = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'append.sqlite')) });
  try {
    let i = 0;
    const sequential = 2000;
    let started = process.hrtime.bigint();
    for (let n = 0; n < sequential; n++) await store.append([syntheticEntry(i++)]);
    let ms = Number(process.hrtime.bigint() - started) / 1e6;
    lines.push(`one entry per call, one caller:   ${Math.round((sequential / ms) * 1000).toLocaleString('en')} records/s (${sequential} calls, ${(ms / sequential).toFixed(2)} ms each)`);

    const concurrent = 20_000;
    started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        while (next < concurrent) {
          next += 1;
          await store.append([syntheticEntry(i++)]);
        }
      }),
    );
    ms = Number(process.hrtime.bigint() - started) / 1e6;
    lines.push(`one entry per call, 200 callers:  ${Math.round((concurrent / ms) * 1000).toLocaleString('en')} records/s (${concurrent} calls; grouped into shared transactions)`);

    const batches = 200;
    started = process.hrtime.bigint();
    for (let n = 0; n < batches; n++) await store.append(Array.from({ length: 100 }, () => syntheticEntry(i++)));
    ms = Number(process.hrtime.bigint() - started) / 1e6;
    lines.push(`100 entries per call, one caller: ${Math.round(((batches * 100) / ms) * 1000).toLocaleString('en')} records/s`);
    const verified = await store.verify();
    lines.push(`(the ${verified.records.toLocaleString('en')} appended records verify: ${verified.ok})`);
  } finally {
    await store.close();
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
  const records = Number(values.records);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-audit-'));
  const file = path.join(dir, 'audit.sqlite');
  try {
    process.stderr.write(`building ${records.toLocaleString('en')} records in ${file}\n`);
    const buildMs = await build(file, records);
    const size = fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
    const store = await openAuditStore({ config: auditSqliteConfig(file) });
    const started = process.hrtime.bigint();
    const result = await store.verify();
    const verifyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const heapMb = process.memoryUsage().heapUsed / 1e6;
    await store.close();
    const appendLines = await appendThroughput(dir);
    process.stdout.write(
      [
        `audit verify benchmark (SQLite, node ${process.version}, ${os.cpus().length} CPUs: ${os.cpus()[0]?.model ?? '?'})`,
        `records:          ${records.toLocaleString('en')} (file ${(size / 1e6).toFixed(0)} MB, built in ${(buildMs / 1000).toFixed(1)} s)`,
        `verify:           ${(verifyMs / 1000).toFixed(1)} s (${Math.round((records / verifyMs) * 1000).toLocaleString('en')} records/s), result ${JSON.stringify(result)}`,
        `heap after verify: ${heapMb.toFixed(0)} MB`,
        'append through the store (synchronous = FULL, WAL):',
        ...appendLines.map((line) => `  ${line}`),
        '',
      ].join('\n'),
    );
  } finally {
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
