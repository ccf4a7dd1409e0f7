/**
 * npx tsx scripts/bench/audit-append-cost.ts [--records 300] [--prefill 20000] [--operations 20]
 *
 * What one durable append costs the audit store's thread on SQLite (synchronous=FULL, WAL), by
 * the shape of the record: CPU (user, system) and bytes written (WAL frames and checkpoints: the
 * process's write(2) bytes, /proc/self/io wchar) per record, one record per commit as under a
 * light load, then eight per commit as the store's group commit takes them under a heavy one.
 *
 * Why it matters: a commit writes every page it changed as a whole WAL frame. The trail's
 * by-person index (AUDIT_PERSON: person_id, sequence) puts a record's rows at one place per
 * person, so a record of 100 persons changes about as many index pages. Fields cost one index
 * entry per record since migration 004 (a record names its field set, stored once per distinct
 * set: lib/audit/field-sets.ts); before, AUDIT_FIELD's (coordinate, sequence) index cost one page
 * per field. The records' fields come from `--operations` distinct operations, as apps send them.
 * Synthetic entries only (no person data); a scratch file, deleted after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { auditSqliteConfig } from '../../lib/audit/config';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { AuditEntryInput } from '../../lib/audit/types';
import { syntheticAuditEntry } from './synthetic-entry';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '300' }, prefill: { type: 'string', default: '20000' }, operations: { type: 'string', default: '20' } },
});
const RECORDS = Number(values.records);
const PREFILL = Number(values.prefill);
/** Distinct operations the traffic sends: apps send the same few queries all day, each with its fields. */
const OPERATIONS = Number(values.operations);

/** 宛名番号-shaped synthetic ids and a pool of 200 field coordinates, spread as real traffic spreads them. */
const person = (n: number) => `00${String(1_000_000 + (n % 900_000)).padStart(8, '0')}`;
const COORDINATES = Array.from({ length: 200 }, (_, index) => `Resident.syntheticField${index}`);

let requests = 0;
function entry(fields: number, persons: number): AuditEntryInput {
  requests += 1;
  return syntheticAuditEntry(requests, {
    subject: `dev:registry-clerk.${requests % 5000}`,
    grantedFields: Array.from({ length: fields }, (_, index) => COORDINATES[((requests % OPERATIONS) * 7 + index * 13) % COORDINATES.length]!),
    personIds: Array.from({ length: persons }, (_, index) => person(requests * 7919 + index * 104_729)),
  });
}

/** Bytes this process has handed to write(2) so far (Linux). */
function writtenBytes(): number {
  const match = /^wchar:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
  return match ? Number(match[1]) : 0;
}

async function measure(store: AuditStore, fields: number, persons: number, perCommit: number): Promise<string> {
  const commits = Math.ceil(RECORDS / perCommit);
  const cpu = process.cpuUsage();
  const written = writtenBytes();
  for (let commit = 0; commit < commits; commit++) await store.append(Array.from({ length: perCommit }, () => entry(fields, persons)));
  const used = process.cpuUsage(cpu);
  const records = commits * perCommit;
  const per = (value: number) => (value / records).toFixed(0);
  return `| ${fields} | ${persons} | ${perCommit} | ${per(used.user)} | ${per(used.system)} | ${((writtenBytes() - written) / records / 1024).toFixed(1)} |`;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-append-cost-'));
  const store = await openAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
  try {
    // A trail that has been written to for a while (its indexes deeper than one page).
    for (let filled = 0; filled < PREFILL; filled += 500) await store.append(Array.from({ length: 500 }, () => entry(10, 3)));
    const lines = [`Audit append on SQLite (synchronous=FULL, WAL), ${PREFILL} records already in the trail, ${OPERATIONS} distinct operations, ${RECORDS} measured per row:`, '', '| fields | persons | records per commit | user µs / record | system µs / record | KiB written / record |', '|---:|---:|---:|---:|---:|---:|'];
    for (const [fields, persons] of [[3, 1], [10, 1], [30, 1], [30, 100]] as const) {
      for (const perCommit of [1, 8]) lines.push(await measure(store, fields, persons, perCommit));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
