import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../lib/project-root';
import { HEALTH_PATH, SUBGRAPH_ENDPOINTS } from '../../lib/subgraphs';
import { openAuditStore } from '../../lib/audit/store';
import knexFactory from 'knex';
import { auditSqliteConfig } from '../../lib/audit/config';
import { BULK_TABLES } from '../../lib/bulk/migrations';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { startFederation, type Federation } from '../support/federation';
import { postGraphQL } from '../support/graphql';
import { describeWithRedis } from '../support/redis';

/**
 * GATEWAY_WORKERS=2 (gateway/cluster/): two worker processes behind one port, one audit chain
 * written by the primary. Requests spread over both workers (each worker's access log names it);
 * the chain verifies and holds exactly one OPERATION record per request, whichever worker served
 * it, and the rules in force are recorded once, not once per worker; the bulk-output ledger is
 * the primary's too (both workers charge it through the primary).
 */

jest.setTimeout(180_000);

const REQUESTS = 12;

let federation: Federation;
let workDir: string;
let primary: ChildProcess | undefined;
let output = '';
let port: number;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as net.AddressInfo;
      server.close(() => resolve(free));
    });
  });
}

async function waitForHealth(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (primary?.exitCode !== null) throw new Error(`the gateway stopped (exit ${String(primary?.exitCode)}): ${output.slice(-2000)}`);
    if (Date.now() > until) throw new Error(`the gateway did not answer within ${deadlineMs} ms: ${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitForWorkers(workers: number[], deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  const listening = () =>
    new Set(
      output
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('gateway worker listening'))
        .map((line) => (JSON.parse(line) as { worker?: number }).worker),
    );
  while (!workers.every((worker) => listening().has(worker))) {
    if (Date.now() > until) throw new Error(`workers ${workers.join(', ')} did not all listen within ${deadlineMs} ms: ${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describeWithRedis('the gateway as two worker processes (GATEWAY_WORKERS=2)', () => {
  beforeAll(async () => {
    federation = await startFederation();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-cluster-'));
    port = await freePort();
    const config = federation.gatewayConfig;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      GATEWAY_WORKERS: '2',
      GATEWAY_PORT: String(port),
      SUPERGRAPH_PATH: config.supergraphPath,
      AUTH_MODE: 'dev',
      AUTH_DEV_KEYS_PATH: config.auth.mode === 'dev' ? config.auth.devKeysPath : '',
      GATEWAY_IDENTITY_DEV_KEYS_PATH: federation.identityKeysPath,
      AUDIT_DB_FILE: path.join(workDir, 'audit.sqlite'),
      GATEWAY_LIMITS_REDIS_URL: process.env.TEST_REDIS_URL!,
      GATEWAY_LIMITS_REDIS_PREFIX: `test:cluster:${process.pid}`,
      LOG_LEVEL: 'info',
      SUBGRAPH_TIMEOUT_MS: '60000',
      APOLLO_TELEMETRY_DISABLED: 'true',
    };
    for (const endpoint of SUBGRAPH_ENDPOINTS) env[endpoint.urlEnv] = config.subgraphUrls[endpoint.name];
    // With an IPC channel, as `npm start` runs it: the gateway stops if this test process dies.
    primary = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForHealth(`http://127.0.0.1:${port}${HEALTH_PATH}`, 120_000);
    // The primary hands connections to the workers that listen: the first one to listen answers
    // /healthz, the other may still be starting.
    await waitForWorkers([0, 1], 120_000);
  });

  afterAll(async () => {
    if (primary && primary.exitCode === null) {
      const exited = new Promise((resolve) => primary!.once('exit', resolve));
      primary.kill('SIGTERM');
      await exited;
    }
    await federation?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('requests through both workers: one chain, verified, exactly one record per request', async () => {
    const token = await federation.token('registry-clerk');
    const requestIds: string[] = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      // A new connection each time: the primary hands connections to the workers in turn.
      const result = await postGraphQL(
        `http://127.0.0.1:${port}/graphql`,
        'query ($id: ID!) { resident(id: $id) { name { kanji } } }',
        { id: FIXTURE_FIRST_RESIDENT.addressNumber },
        { authorization: `Bearer ${token}`, connection: 'close' },
      );
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      requestIds.push(result.response.headers.get('x-request-id')!);
    }
    expect(new Set(requestIds).size).toBe(REQUESTS);

    // The stop drains both workers' entries through the primary, then closes the store.
    const exited = new Promise<number | null>((resolve) => primary!.once('exit', (code) => resolve(code)));
    primary!.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Which worker served each request: its access log line (pino JSON, one per line).
    const servedBy = new Map<string, number>();
    for (const line of output.split('\n')) {
      if (!line.startsWith('{')) continue;
      const log = JSON.parse(line) as { msg?: string; path?: string; requestId?: string; worker?: number };
      if (log.msg === 'request' && log.path === '/graphql' && log.requestId !== undefined && log.worker !== undefined) servedBy.set(log.requestId, log.worker);
    }
    expect(requestIds.map((id) => servedBy.has(id))).toEqual(requestIds.map(() => true));
    expect(new Set(requestIds.map((id) => servedBy.get(id)))).toEqual(new Set([0, 1]));

    const store = await openAuditStore({ config: auditSqliteConfig(path.join(workDir, 'audit.sqlite')) });
    try {
      expect(await store.verify()).toEqual({ ok: true, records: REQUESTS + 1 });
      const operations = await store.query({ kind: 'OPERATION' }, { first: 1000 });
      expect(operations.records.map((record) => record.requestId).sort()).toEqual([...requestIds].sort());
      // The rules in force: recorded by one worker only.
      const events = await store.query({ kind: 'RULES_RELOADED' }, { first: 1000 });
      expect(events.records).toHaveLength(1);
      // The bulk-output ledger: each worker says it charges the primary's (none opened its own),
      // and the one person they all answered is counted once (once a day, should the run cross midnight).
      const ledgers = new Map<number, string>();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const log = JSON.parse(line) as { bulkLedger?: string; worker?: number };
        if (log.bulkLedger !== undefined && log.worker !== undefined) ledgers.set(log.worker, log.bulkLedger);
      }
      expect(Object.fromEntries(ledgers)).toEqual({ 0: 'primary', 1: 'primary' });
      const [served] = operations.records;
      const ledger = knexFactory({ ...auditSqliteConfig(path.join(workDir, 'audit.sqlite')), pool: { min: 0, max: 1 } });
      try {
        const tallies = await ledger(BULK_TABLES.tally).where({ subject: served.subject, purpose: served.purpose }).select('persons');
        expect(tallies.length).toBeGreaterThan(0);
        expect(tallies.every((row: { persons: number }) => row.persons === 1)).toBe(true);
      } finally {
        await ledger.destroy();
      }
    } finally {
      await store.close();
    }
  });
});
