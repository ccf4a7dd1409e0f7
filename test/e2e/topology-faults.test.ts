import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import knexFactory, { type Knex } from 'knex';
import { PROJECT_ROOT } from '../../lib/project-root';
import { SUBGRAPH_ENDPOINTS } from '../../lib/subgraphs';
import { loadOrCreateDevKeys, type DevKeys } from '../../lib/dev-keys';
import { openAuditStore } from '../../lib/audit/store';
import { AUDIT_TABLES } from '../../lib/audit/migrations';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { FIXTURE_FEB29_COMMON_YEAR, FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { dropDatabase, postgresAdminUrl, withDatabase } from '../support/postgres';

/**
 * The production topology (`npm run start:production-like`, scripts/topology.ts) under faults:
 * two gateway replicas, five subgraph processes, the trail in its own PostgreSQL database, the
 * limit counters in Redis. Three faults, one after the other, on one topology:
 *
 *  1. a replica SIGKILLed in the middle of a load through both: every answered request has exactly
 *     one audit record (found by the client's X-Request-Id, matched to the gateway's), a request
 *     whose connection was lost has at most one and is retried on the other replica, the chain
 *     verifies, and the other replica keeps answering;
 *  2. a subgraph SIGKILLed: the gateway answers the rest with SUBGRAPH_UNAVAILABLE for its part,
 *     readiness says so (GET /readyz, where the gateway has it), and full answers come back when
 *     the topology has started the subgraph again;
 *  3. the audit database unreachable (its connections terminated and new ones refused; the
 *     machine's PostgreSQL server keeps running for everyone else): person data is withheld
 *     (503 AUDIT_UNAVAILABLE), then both replicas recover without a restart.
 *
 * The figures of each fault are printed at the end.
 */

jest.setTimeout(300_000);

const RUN = `topo${process.pid}${Date.now() % 100000}`;
const AUDIT_DATABASE = `ward_${RUN}`;
const PERSONAS = ['registry-clerk', 'branch-clerk', 'tax-clerk', 'mynumber-officer'] as const;
const PERSONS = [FIXTURE_FIRST_RESIDENT, FIXTURE_FEB29_COMMON_YEAR];
const LOAD_QUERY = 'query Load($id: ID!) { resident(id: $id) { id name { kanji } individualNumber } }';
const CARD_QUERY = 'query Card($id: ID!) { resident(id: $id) { id name { kanji } myNumberCard { status } } }';
const LOAD_REQUESTS = 300;
const LOAD_CONCURRENCY = 8;
const KILL_AFTER = 100;
/** Long enough to see a fault before the topology starts the dead process again. */
const RESTART_DELAY_MS = 8000;

const haveServers = Boolean(process.env.TEST_PG_URL && process.env.TEST_REDIS_URL);

interface Attempt {
  readonly claimedId: string;
  readonly replica: number;
  readonly phase: string;
  status?: number;
  requestId?: string;
  body?: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  /** The connection failed or was cut: no answer. */
  lost?: boolean;
}

let topology: ChildProcess | undefined;
let log = '';
let keysDir: string;
let devKeys: DevKeys;
let admin: Knex;
let auditDb: Knex;
const gatewayPorts: number[] = [];
/** Every port the topology's processes listen on. */
const allPorts: number[] = [];
const attempts: Attempt[] = [];
const tokens = new Map<string, string>();
let sequence = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return condition();
}

/** Every pid the topology printed (`started <name> pid <n>`). */
function startedPids(): number[] {
  return [...log.matchAll(/\[topology\] started \S+ pid (\d+)/g)].map((match) => Number(match[1]));
}

/** The process runs (not gone, not a zombie), from /proc. */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The pids the topology printed for a process (`started <name> pid <n>`), oldest first. */
function pidsOf(name: string): number[] {
  return [...log.matchAll(new RegExp(`\\[topology\\] started ${name} pid (\\d+)`, 'g'))].map((match) => Number(match[1]));
}

async function token(persona: string): Promise<string> {
  let value = tokens.get(persona);
  if (!value) tokens.set(persona, (value = (await mintDevToken({ persona: findPersona(persona)!, keys: devKeys })).token));
  return value;
}

/** One request to one replica; the client's own X-Request-Id names it in the trail (claimedRequestId). */
async function send(phase: string, replica: number, persona: string, query: string, variables: Record<string, unknown>): Promise<Attempt> {
  const attempt: Attempt = { claimedId: `${RUN}-${phase}-${++sequence}`, replica, phase };
  attempts.push(attempt);
  try {
    const response = await fetch(`http://127.0.0.1:${gatewayPorts[replica]}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(persona)}`, 'content-type': 'application/json', 'x-request-id': attempt.claimedId },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    attempt.status = response.status;
    attempt.requestId = response.headers.get('x-request-id') ?? undefined;
    attempt.body = JSON.parse(text);
  } catch {
    attempt.lost = true;
  }
  return attempt;
}

/** A client of the pair: a request whose connection is lost is sent again, once, to the other replica. */
async function sendWithRetry(phase: string, replica: number, persona: string, query: string, variables: Record<string, unknown>): Promise<Attempt> {
  const first = await send(phase, replica, persona, query, variables);
  return first.lost ? send(phase, 1 - replica, persona, query, variables) : first;
}

async function get(replica: number, route: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${gatewayPorts[replica]}${route}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

/** Audit records of this run's requests, by the client's X-Request-Id. */
async function recordsByClaimedId(): Promise<Map<string, { requestId: string; decision: string }[]>> {
  const rows: { request_id: string; claimed_request_id: string; decision: string }[] = await auditDb(AUDIT_TABLES.log)
    .select('request_id', 'claimed_request_id', 'decision')
    .where('claimed_request_id', 'like', `${RUN}-%`);
  const byId = new Map<string, { requestId: string; decision: string }[]>();
  for (const row of rows) byId.set(row.claimed_request_id, [...(byId.get(row.claimed_request_id) ?? []), { requestId: row.request_id, decision: row.decision }]);
  return byId;
}

async function verifyChain(): Promise<string> {
  const store = await openAuditStore({ env: { AUDIT_DB_CLIENT: 'pg', AUDIT_DB_URL: withDatabase(postgresAdminUrl(), AUDIT_DATABASE) } });
  try {
    const result = await store.verify();
    return result.ok ? `intact (${result.records} records)` : `BROKEN at ${result.firstBroken.sequence} (${result.firstBroken.reason}), ${result.brokenCount} breaks`;
  } finally {
    await store.close();
  }
}

type Figures = {
  sent: number;
  answered200: number;
  answeredOther: Record<string, number>;
  lost: number;
  records: number;
  recordedButLost: number;
  chain: string;
};

/** What one phase's requests came to, and the audit check every phase must pass. */
async function figuresOf(phase: string): Promise<Figures> {
  const mine = attempts.filter((attempt) => attempt.phase === phase);
  const records = await recordsByClaimedId();
  const problems: string[] = [];
  let recordCount = 0;
  let recordedButLost = 0;
  const answeredOther: Record<string, number> = {};
  for (const attempt of mine) {
    const found = records.get(attempt.claimedId) ?? [];
    recordCount += found.length;
    if (attempt.lost) {
      // Written before the connection went: allowed (the gateway writes before it answers), once.
      if (found.length > 1) problems.push(`${attempt.claimedId}: lost, ${found.length} records`);
      if (found.length === 1) recordedButLost++;
    } else if (attempt.status === 200) {
      if (found.length !== 1 || found[0]!.requestId !== attempt.requestId) {
        problems.push(`${attempt.claimedId}: answered ${attempt.requestId}, records ${JSON.stringify(found)}`);
      }
    } else {
      const code = String(attempt.body?.errors?.[0]?.extensions?.code ?? attempt.status);
      answeredOther[`${attempt.status} ${code}`] = (answeredOther[`${attempt.status} ${code}`] ?? 0) + 1;
      // Fail closed: nothing could be written, nothing was shown.
      if (code === 'AUDIT_UNAVAILABLE' && found.length !== 0) problems.push(`${attempt.claimedId}: AUDIT_UNAVAILABLE, ${found.length} records`);
    }
  }
  expect(problems).toEqual([]);
  return {
    sent: mine.length,
    answered200: mine.filter((attempt) => attempt.status === 200).length,
    answeredOther,
    lost: mine.filter((attempt) => attempt.lost).length,
    records: recordCount,
    recordedButLost,
    chain: await verifyChain(),
  };
}

const figures: Record<string, Figures & Record<string, unknown>> = {};

(haveServers ? describe : describe.skip)('production topology under faults (PostgreSQL trail, Redis counters, two replicas)', () => {
  beforeAll(async () => {
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-topology-'));
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn' };
    for (const endpoint of SUBGRAPH_ENDPOINTS) {
      env[endpoint.portEnv] = String(await freePort());
      delete env[endpoint.urlEnv];
    }
    gatewayPorts.push(await freePort(), await freePort());
    allPorts.push(...gatewayPorts, ...SUBGRAPH_ENDPOINTS.map((endpoint) => Number(env[endpoint.portEnv])));
    Object.assign(env, {
      // The run's synthetic data (global setup); the topology writes nothing there but reads.
      DATA_DIR: process.env.WARD_TEST_DATA_DIR,
      TOPOLOGY_GATEWAY_PORTS: gatewayPorts.join(','),
      TOPOLOGY_METRICS_PORTS: [await freePort(), await freePort()].join(','),
      TOPOLOGY_AUDIT_DATABASE: AUDIT_DATABASE,
      TOPOLOGY_PG_ADMIN_URL: postgresAdminUrl(),
      TOPOLOGY_KEYS_DIR: keysDir,
      TOPOLOGY_RESTART_DELAY_MS: String(RESTART_DELAY_MS),
      GATEWAY_LIMITS_REDIS_URL: process.env.TEST_REDIS_URL,
      GATEWAY_LIMITS_REDIS_PREFIX: `ward-test:${RUN}`,
      AUTH_DEV_KEYS_PATH: path.join(keysDir, 'dev-keys.json'),
    });
    for (const name of ['AUDIT_DB_CLIENT', 'AUDIT_DB_URL', 'AUDIT_DB_FILE', 'GATEWAY_IDENTITY_DEV_KEYS_PATH']) delete env[name];

    topology = spawn(process.execPath, ['--import', 'tsx', 'scripts/topology.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    topology.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    topology.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const up = await waitUntil(() => log.includes('Everything is up') || topology!.exitCode !== null, 180_000);
    // On failure, the topology's log (service logs: no person data) says why.
    expect({ up, log: log.includes('Everything is up') ? '' : log }).toEqual({ up: true, log: '' });

    devKeys = await loadOrCreateDevKeys(path.join(keysDir, 'dev-keys.json'));
    admin = knexFactory({ client: 'pg', connection: { connectionString: postgresAdminUrl() }, pool: { min: 0, max: 1 } });
    auditDb = knexFactory({ client: 'pg', connection: { connectionString: withDatabase(postgresAdminUrl(), AUDIT_DATABASE) }, pool: { min: 0, max: 1 } });
  });

  afterAll(async () => {
    // Normally the last test has killed it already; after a failure, stop it here.
    if (topology && topology.exitCode === null && topology.signalCode === null) {
      topology.kill('SIGTERM');
      if (!(await waitUntil(() => topology!.exitCode !== null, 20_000))) topology.kill('SIGKILL'); // its children follow it (lib/parent-watch.ts)
    }
    for (const pid of startedPids()) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await admin?.raw('alter database ?? allow_connections true', [AUDIT_DATABASE]).catch(() => undefined);
    await auditDb?.destroy();
    await admin?.destroy();
    await dropDatabase(AUDIT_DATABASE).catch(() => undefined);
    if (keysDir) fs.rmSync(keysDir, { recursive: true, force: true });
    console.log(`topology fault figures (${RUN}):\n${JSON.stringify(figures, null, 2)}`);
  });

  test('both replicas read the rules in force from the one version store in PostgreSQL', async () => {
    const versions = await Promise.all([0, 1].map(async (replica) => JSON.parse((await get(replica, '/healthz')).text).rules));
    for (const rules of versions) expect(rules).toMatchObject({ mode: 'database', sequence: 1 });
    expect(versions[0].version).toBe(versions[1].version);
  });

  test('a replica SIGKILLed mid-load: no audit record lost or duplicated, the chain verifies, the other replica answers', async () => {
    const [victim] = pidsOf('gateway-a');
    let next = 0;
    let killed = false;
    let inFlightAtKill = 0;
    let inFlight = 0;
    const survivorAfterKill: Attempt[] = [];
    const worker = async (index: number) => {
      while (next < LOAD_REQUESTS) {
        const n = next++;
        if (n >= KILL_AFTER && !killed) {
          killed = true;
          inFlightAtKill = inFlight;
          process.kill(victim!, 'SIGKILL');
        }
        inFlight++;
        const persona = PERSONAS[index % PERSONAS.length]!;
        const answer = await sendWithRetry('replica', n % 2, persona, LOAD_QUERY, { id: PERSONS[n % PERSONS.length]!.addressNumber });
        inFlight--;
        if (killed && answer.replica === 1) survivorAfterKill.push(answer);
      }
    };
    await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, (_, index) => worker(index)));

    const mine = attempts.filter((attempt) => attempt.phase === 'replica');
    // Every logical request was answered, with the person's data (by one replica or the other).
    const answered = mine.filter((attempt) => attempt.status === 200 && attempt.body?.data?.resident?.individualNumber);
    expect(answered).toHaveLength(LOAD_REQUESTS);
    // The kill hit a replica that was serving: it answered before, and some requests found it gone.
    expect(mine.filter((attempt) => attempt.replica === 0 && attempt.status === 200).length).toBeGreaterThan(0);
    expect(mine.filter((attempt) => attempt.lost && attempt.replica === 0).length).toBeGreaterThan(0);
    // The survivor never lost a connection and kept answering after the kill.
    expect(mine.filter((attempt) => attempt.lost && attempt.replica === 1)).toEqual([]);
    expect(survivorAfterKill.filter((attempt) => attempt.status === 200).length).toBeGreaterThan(0);

    const result = await figuresOf('replica');
    expect(result.records).toBe(LOAD_REQUESTS + result.recordedButLost);
    expect(result.chain).toMatch(/^intact/);
    figures['replica killed'] = { ...result, inFlightAtKill, survivorAnsweredAfterKill: survivorAfterKill.length };
  });

  test('a subgraph SIGKILLed: partial answers with SUBGRAPH_UNAVAILABLE, readiness says so, recovery when it is back', async () => {
    const [victim] = pidsOf('card-progress').slice(-1);
    const started = pidsOf('card-progress').length;
    process.kill(victim!, 'SIGKILL');
    await waitUntil(() => log.includes('card-progress exited'), 10_000);

    const during = await send('subgraph', 1, 'registry-clerk', CARD_QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber });
    expect(during.status).toBe(200);
    expect(during.body?.data?.resident?.name?.kanji).toBe(FIXTURE_FIRST_RESIDENT.name);
    expect(during.body?.data?.resident?.myNumberCard).toBeNull();
    expect(during.body?.errors?.map((error) => [error.extensions?.code, error.extensions?.serviceName])).toEqual([['SUBGRAPH_UNAVAILABLE', 'card-progress']]);
    // Liveness stays: the gateway process itself is fine.
    expect((await get(1, '/healthz')).status).toBe(200);
    // Readiness (where the gateway serves /readyz) names the subgraph once its cached report is renewed.
    let readyDuring = await get(1, '/readyz');
    if (readyDuring.status !== 404) {
      await waitUntil(async () => (readyDuring = await get(1, '/readyz')).status !== 200, 5000, 250);
      expect(readyDuring.status).toBe(503);
      expect(readyDuring.text).toContain('card-progress');
    }

    // The topology starts it again; the same question is then answered in full.
    expect(await waitUntil(() => pidsOf('card-progress').length > started, 30_000)).toBe(true);
    let after: Attempt | undefined;
    const recovered = await waitUntil(async () => {
      after = await send('subgraph', 1, 'registry-clerk', CARD_QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber });
      return after.status === 200 && after.body?.errors === undefined;
    }, 60_000, 500);
    expect({ recovered, errors: after?.body?.errors }).toEqual({ recovered: true, errors: undefined });
    expect(after?.body?.data?.resident?.myNumberCard?.status).toBe(FIXTURE_FIRST_RESIDENT.cardStatus);
    let readyAfter = await get(1, '/readyz');
    if (readyAfter.status !== 404) {
      await waitUntil(async () => (readyAfter = await get(1, '/readyz')).status === 200, 10_000, 250);
      expect(readyAfter.status).toBe(200);
    }

    const result = await figuresOf('subgraph');
    figures['subgraph killed'] = {
      ...result,
      partialAnswers: attempts.filter((attempt) => attempt.phase === 'subgraph' && attempt.body?.errors?.some((error) => error.extensions?.code === 'SUBGRAPH_UNAVAILABLE')).length,
      readyzDuring: readyDuring.status === 404 ? 'not served (404): /readyz is not in this gateway yet' : readyDuring.status,
      readyzAfter: readyAfter.status,
    };
  });

  test('the audit database unreachable: person data withheld (AUDIT_UNAVAILABLE), then recovery without a restart', async () => {
    const gatewaysBefore = [pidsOf('gateway-a').length, pidsOf('gateway-b').length];
    // The outage: new connections refused and the gateways' (and the audit subgraph's) connections
    // cut. Only this run's database; the server keeps running.
    await admin.raw('alter database ?? allow_connections false', [AUDIT_DATABASE]);
    await admin.raw('select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()', [AUDIT_DATABASE]);
    await auditDb.destroy();

    const during = await Promise.all(
      [0, 1, 0, 1].map((replica, index) => send('audit-db', replica, PERSONAS[index]!, LOAD_QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber })),
    );
    for (const attempt of during) {
      expect(attempt.status).toBe(503);
      expect(attempt.body?.errors?.map((error) => error.extensions?.code)).toEqual(['AUDIT_UNAVAILABLE']);
      expect(JSON.stringify(attempt.body)).not.toContain(FIXTURE_FIRST_RESIDENT.individualNumber);
    }

    await admin.raw('alter database ?? allow_connections true', [AUDIT_DATABASE]);
    auditDb = knexFactory({ client: 'pg', connection: { connectionString: withDatabase(postgresAdminUrl(), AUDIT_DATABASE) }, pool: { min: 0, max: 1 } });
    for (const replica of [0, 1]) {
      const recovered = await waitUntil(async () => {
        const attempt = await send('audit-db', replica, 'registry-clerk', LOAD_QUERY, { id: FIXTURE_FIRST_RESIDENT.addressNumber });
        return attempt.status === 200 && attempt.body?.data?.resident?.individualNumber === FIXTURE_FIRST_RESIDENT.individualNumber;
      }, 30_000, 500);
      expect({ replica, recovered }).toEqual({ replica, recovered: true });
    }
    // Nobody restarted a gateway.
    expect([pidsOf('gateway-a').length, pidsOf('gateway-b').length]).toEqual(gatewaysBefore);

    const result = await figuresOf('audit-db');
    // The only answers other than 200 were the withheld ones (the outage, and any retry before the pool reconnected).
    expect(Object.keys(result.answeredOther)).toEqual(['503 AUDIT_UNAVAILABLE']);
    figures['audit database unreachable'] = result;
  });

  test('the topology SIGKILLed: every process it started stops, every port is free', async () => {
    const running = startedPids().filter(isRunning);
    expect(running.length).toBeGreaterThanOrEqual(SUBGRAPH_ENDPOINTS.length + 2);
    topology!.kill('SIGKILL');
    await waitUntil(() => running.every((pid) => !isRunning(pid)), 20_000);
    expect(running.filter(isRunning)).toEqual([]);
    const busy: number[] = [];
    for (const port of allPorts) if (!(await portIsFree(port))) busy.push(port);
    expect(busy).toEqual([]);
  });
});
