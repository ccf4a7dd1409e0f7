/**
 * npx tsx scripts/bench/store-thread-cost.ts [--requests 3000] [--rate 330] [--connections 10] [--ledger true]
 *
 * What the audit store's thread (lib/audit/threaded-store.ts, SQLite, the gateway's default)
 * costs per request that names a person, as the gateway drives it: a bulk-output charge (a user
 * of their own per request, as the bench's tokens: every charge writes) and, a moment later, the
 * request's audit entry through the gateway's AuditWriter (up to 8 appends in flight). Requests
 * come at about `--rate` a second from `--connections` callers, spaced at random, so commits
 * carry what the store's group commit finds, as under the bench's (c). Prints the CPU per request
 * of the store's thread and of this (the request) thread, from /proc per thread (user + system).
 * Synthetic entries (no person data), a scratch file deleted after. Linux only. Not a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { AuditWriter } from '../../gateway/audit/writer';
import { auditSqliteConfig } from '../../lib/audit/config';
import { openBulkLedgerOnStoreThread, openThreadedAuditStore } from '../../lib/audit/threaded-store';
import type { AuditEntryInput } from '../../lib/audit/types';
import { syntheticAuditEntry } from './synthetic-entry';
import { closedLoop } from './closed-loop';
import { threadCpuTimesMs } from './processes';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '3000' }, rate: { type: 'string', default: '330' }, connections: { type: 'string', default: '10' }, ledger: { type: 'string', default: 'true' } },
});
const REQUESTS = Number(values.requests);
const CONNECTIONS = Number(values.connections);
/** Mean time between one caller's requests for the whole to come at `--rate` a second. */
const PAUSE_MS = (CONNECTIONS / Number(values.rate)) * 1000;
const LEDGER = values.ledger !== 'false';

let sent = 0;
function entry(): AuditEntryInput {
  sent += 1;
  // A user of their own per request (as the bench's tokens), one person, (c)'s fields.
  return syntheticAuditEntry(sent, {
    subject: `dev:registry-clerk.${sent}`,
    grantedFields: ['Query.searchIdentity', 'IdentitySearchResult.matches', 'IdentitySearchResult.truncated', 'IdentityMatch.residentCode', 'IdentityMatch.name', 'IdentityMatch.nameKana', 'IdentityMatch.birthDate', 'IdentityMatch.sex', 'IdentityMatch.address'],
    personIds: ['0010000001'],
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-thread-cost-'));
  const store = await openThreadedAuditStore({ config: auditSqliteConfig(path.join(dir, 'audit.sqlite')) });
  try {
    const ledger = (await openBulkLedgerOnStoreThread(store))!;
    const writer = new AuditWriter({ sink: store, logger: pino({ level: 'silent' }), maxInFlight: 8 });
    // A trail written to for a while (its indexes deeper than one page).
    for (let filled = 0; filled < 20_000; filled += 500) await store.append(Array.from({ length: 500 }, entry));
    const request = async () => {
      const record = entry();
      if (LEDGER) await ledger.charge({ subject: record.subject!, purpose: 'resident-registry', day: '2026-12-05', personIds: record.personIds, budget: 1000, approvalId: null, at: new Date() });
      // The subgraph's answer and the response's making, between the charge and the entry.
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * (0.5 + Math.random())));
      await writer.write(record);
    };
    const before = threadCpuTimesMs(process.pid);
    const started = Date.now();
    await closedLoop(CONNECTIONS, REQUESTS, request);
    const seconds = (Date.now() - started) / 1000;
    const after = threadCpuTimesMs(process.pid);
    const main = process.pid;
    let busiestOther = [0, 0] as [number, number];
    for (const [tid, ms] of after) {
      const used = ms - (before.get(tid) ?? 0);
      if (tid !== main && used > busiestOther[1]) busiestOther = [tid, used];
    }
    const perRequest = (ms: number) => ((ms * 1000) / REQUESTS).toFixed(0);
    process.stdout.write(
      `${REQUESTS} requests at ${(REQUESTS / seconds).toFixed(0)}/s, ${CONNECTIONS} callers, ledger ${LEDGER ? 'charged' : 'off'}: ` +
        `store thread ${perRequest(busiestOther[1])} µs CPU per request, request thread ${perRequest((after.get(main) ?? 0) - (before.get(main) ?? 0))} µs ` +
        `(${writer.stats().appends} appends from the writer)\n`,
    );
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
