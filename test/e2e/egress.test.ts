import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { GRAPHQL_PATH, HEALTH_PATH, SUBGRAPH_ENDPOINTS, localSubgraphUrl } from '../../lib/subgraphs';
import { postGraphQL } from '../support/graphql';
import { testDataDir } from '../support/federation';

/**
 * Nothing leaves the machine (issue 10): the gateway and the five subgraphs run as separate
 * processes, as `npm start` runs them, each with a preload (test/support/egress-watch.cjs)
 * that records every TCP/TLS connect, DNS lookup or query and UDP send before it is made. After
 * start-up and a request through the whole federation, every recorded destination must be a
 * configured one: the subgraphs' loopback ports. No name is looked up (everything is configured
 * by address). The children get no APOLLO_TELEMETRY_DISABLED from the test: the code must set it
 * (gateway/vendor-telemetry.ts); without it @apollo/gateway probes 169.254.169.254,
 * 100.100.100.200 and metadata.google.internal on every start, and this test fails. A second
 * gateway with tracing on (TRACING_OTLP_ENDPOINT, issue 15) may reach the subgraphs and the
 * configured collector, and nothing else: no resource detector, no vendor endpoint.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const PRELOAD = path.join(ROOT, 'test', 'support', 'egress-watch.cjs');

interface Destination {
  kind: 'connect' | 'dns' | 'udp';
  host?: string;
  port?: number | null;
  path?: string;
  call?: string;
  pid: number;
}

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

// Generous: six processes compile TypeScript at start (tsx) on a CPU shared with the other suites.
async function waitForHealth(url: string, child: ChildProcess, name: string, timeoutMs = 180_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms`);
}

describe('no connection leaves for anything not configured', () => {
  const children: { name: string; child: ChildProcess; output: string[] }[] = [];
  let workDir: string;
  /** What the first test started, for the second (a gateway with tracing on, beside the same subgraphs). */
  let started: { baseEnv: NodeJS.ProcessEnv; spawnWatched: (name: string, script: string, env: NodeJS.ProcessEnv) => ChildProcess; ports: number[]; urls: Record<string, string> } | undefined;
  const recordedBy = (name: string): Destination[] =>
    fs
      .readFileSync(path.join(workDir, `egress-${name}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Destination);

  afterAll(async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('the gateway and the subgraphs, started and used, connect only to the configured subgraphs and look no name up', async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-egress-'));
    const dataDir = testDataDir();
    const baseEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      AUDIT_DB_FILE: path.join(workDir, 'audit.sqlite'),
      AUTH_DEV_KEYS_PATH: path.join(workDir, 'dev-keys.json'),
      LOG_LEVEL: 'warn',
    };
    // Not from the test: the product must set it itself (jest-setup sets it in this process).
    delete baseEnv.APOLLO_TELEMETRY_DISABLED;
    const spawnWatched = (name: string, script: string, env: NodeJS.ProcessEnv) => {
      const report = path.join(workDir, `egress-${name}.jsonl`);
      fs.writeFileSync(report, '');
      const child = spawn(process.execPath, ['--require', PRELOAD, '--import', 'tsx', script], {
        cwd: ROOT,
        env: { ...env, EGRESS_REPORT: report },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      children.push({ name, child, output });
      return child;
    };

    const ports = await Promise.all(SUBGRAPH_ENDPOINTS.map(() => freePort()));
    const gatewayPort = await freePort();
    const subgraphsStarted = SUBGRAPH_ENDPOINTS.map((endpoint, index) => ({
      endpoint,
      port: ports[index],
      child: spawnWatched(endpoint.name, `subgraphs/${endpoint.name}/main.ts`, { ...baseEnv, [endpoint.portEnv]: String(ports[index]) }),
    }));
    await Promise.all(subgraphsStarted.map(({ endpoint, port, child }) => waitForHealth(`http://127.0.0.1:${port}${HEALTH_PATH}`, child, endpoint.name)));
    const urls = Object.fromEntries(subgraphsStarted.map(({ endpoint, port }) => [endpoint.urlEnv, localSubgraphUrl(port)]));
    started = { baseEnv, spawnWatched, ports, urls };
    const gateway = spawnWatched('gateway', 'gateway/main.ts', { ...baseEnv, ...urls, GATEWAY_PORT: String(gatewayPort) });
    await waitForHealth(`http://127.0.0.1:${gatewayPort}${HEALTH_PATH}`, gateway, 'gateway');

    // One request through the whole federation (gateway → residents, audit trail written).
    const keys = await loadOrCreateDevKeys(path.join(workDir, 'dev-keys.json'));
    const { token } = await mintDevToken({ persona: findPersona('registry-clerk')!, keys });
    const answer = await postGraphQL(`http://127.0.0.1:${gatewayPort}${GRAPHQL_PATH}`, `query($id: ID!) { resident(id: $id) { id name { kanji } } }`, { id: FIXTURE_FIRST_RESIDENT.addressNumber }, {
      authorization: `Bearer ${token}`,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data?.resident?.id).toBe(FIXTURE_FIRST_RESIDENT.addressNumber);
    // Telemetry and cloud detectors start with the ApolloGateway; give what they start time to try.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const configured = new Set(ports.map((port) => `127.0.0.1:${port}`));
    const recorded = children.flatMap(({ name }) =>
      fs
        .readFileSync(path.join(workDir, `egress-${name}.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => ({ process: name, ...(JSON.parse(line) as Destination) })),
    );
    const allowed = (destination: Destination) => {
      // tsx's own IPC between its loader and the process: a local socket file, not the network.
      if (destination.kind === 'connect' && destination.path !== undefined) return /[\\/]tsx-\d+[\\/]\d+\.pipe$/.test(destination.path);
      if (destination.kind === 'connect') return configured.has(`${destination.host}:${destination.port}`);
      // fetch (undici) passes even an address through dns.lookup, which answers it without a query.
      if (destination.kind === 'dns') return destination.call === 'lookup' && destination.host === '127.0.0.1';
      return false;
    };
    const unexpected = recorded.filter((destination) => !allowed(destination));
    expect(unexpected).toEqual([]);
    // The watch saw the gateway's own calls to the subgraphs (so it would see others).
    expect(recorded.filter((destination) => destination.process === 'gateway' && destination.kind === 'connect').length).toBeGreaterThan(0);
    console.log(`egress: ${recorded.length} connection attempts recorded across ${children.length} processes, all to configured subgraph ports`);
  }, 300_000);

  test('with tracing on, the gateway sends spans to the configured collector and connects nowhere else', async () => {
    // Beside the subgraphs of the test above.
    expect(started).toBeDefined();
    const { baseEnv, spawnWatched, ports, urls } = started!;
    let exports = 0;
    const collector = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') exports += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const collectorPort = (collector.address() as net.AddressInfo).port;
    try {
      const gatewayPort = await freePort();
      const gateway = spawnWatched('gateway-traced', 'gateway/main.ts', {
        ...baseEnv,
        ...urls,
        GATEWAY_PORT: String(gatewayPort),
        AUDIT_DB_FILE: path.join(workDir, 'audit-traced.sqlite'),
        TRACING_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      });
      await waitForHealth(`http://127.0.0.1:${gatewayPort}${HEALTH_PATH}`, gateway, 'gateway-traced');
      const keys = await loadOrCreateDevKeys(path.join(workDir, 'dev-keys.json'));
      const { token } = await mintDevToken({ persona: findPersona('registry-clerk')!, keys });
      const answer = await postGraphQL(`http://127.0.0.1:${gatewayPort}${GRAPHQL_PATH}`, `query($id: ID!) { resident(id: $id) { id } }`, { id: FIXTURE_FIRST_RESIDENT.addressNumber }, {
        authorization: `Bearer ${token}`,
      });
      expect(answer.status).toBe(200);
      // The batch goes out within the span processor's 5 s delay.
      for (let waited = 0; exports === 0 && waited < 30_000; waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(exports).toBeGreaterThan(0);

      const configured = new Set([...ports, collectorPort].map((port) => `127.0.0.1:${port}`));
      const unexpected = recordedBy('gateway-traced').filter((destination) => {
        if (destination.kind === 'connect' && destination.path !== undefined) return !/[\\/]tsx-\d+[\\/]\d+\.pipe$/.test(destination.path);
        if (destination.kind === 'connect') return !configured.has(`${destination.host}:${destination.port}`);
        if (destination.kind === 'dns') return !(destination.call === 'lookup' && destination.host === '127.0.0.1');
        return true;
      });
      expect(unexpected).toEqual([]);
      expect(recordedBy('gateway-traced').some((destination) => destination.kind === 'connect' && destination.port === collectorPort)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  }, 180_000);
});
