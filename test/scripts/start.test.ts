import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../lib/project-root';
import { SUBGRAPH_ENDPOINTS } from '../../lib/subgraphs';
import { seedAll } from '../../scripts/seeding/seed-all';
import { FIXTURE_PERSON_COUNT } from '../../generator/fixtures';

/**
 * `npm start` killed hard (SIGKILL: no handler runs, nothing is stopped in order) must not leave
 * its gateway and subgraphs behind as orphans holding the ports: each child notices its parent
 * is gone and stops (scripts/stop-with-parent.ts).
 */

jest.setTimeout(240_000);

const STARTED = 'Everything is up';

let dataDir: string;
let start: ChildProcess | undefined;
let children: number[] = [];

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

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The process's state letter from /proc (Z: exited, not yet reaped), or null when it is gone. */
function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== 'Z' && state !== 'X';
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Direct children of `parent`, from /proc. */
function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-start-'));
  await seedAll({ residents: FIXTURE_PERSON_COUNT, dataDir });
});

afterAll(() => {
  // Only the processes this test started, should the assertion have failed.
  for (const pid of [...children, ...(start?.pid ? [start.pid] : [])]) {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('npm start killed with SIGKILL: every child stops within seconds and the ports are free', async () => {
  const gatewayPort = await freePort();
  const ports: Record<string, string> = { GATEWAY_PORT: String(gatewayPort) };
  for (const endpoint of SUBGRAPH_ENDPOINTS) ports[endpoint.portEnv] = String(await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, ...ports, DATA_DIR: dataDir, NO_COLOR: '1', LOG_LEVEL: 'warn' };
  env.AUTH_DEV_KEYS_PATH = path.join(dataDir, 'dev-keys.json');
  env.GATEWAY_IDENTITY_DEV_KEYS_PATH = path.join(dataDir, 'gateway-identity-keys.json');
  for (const endpoint of SUBGRAPH_ENDPOINTS) delete env[endpoint.urlEnv];

  start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  start.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  start.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const up = await waitUntil(() => output.includes(STARTED) || start!.exitCode !== null, 180_000);
  // On failure, the log of `npm start` (service logs: no person data) says why.
  expect({ up, log: output.includes(STARTED) ? '' : output }).toEqual({ up: true, log: '' });

  // Every child is watched (esbuild's service, which tsx starts, included); the ones named are
  // the four legacy subgraphs, the audit subgraph and the gateway.
  children = childrenOf(start.pid!);
  const scripts = children.map(commandLine).map((line) => /(?:gateway|subgraphs\/[a-z-]+)\/main\.ts/.exec(line)?.[0]).filter(Boolean).sort();
  expect(scripts).toEqual(['gateway/main.ts', ...SUBGRAPH_ENDPOINTS.map((endpoint) => `subgraphs/${endpoint.name}/main.ts`)].sort());
  for (const port of Object.values(ports)) expect(await portIsFree(Number(port))).toBe(false);

  process.kill(start.pid!, 'SIGKILL');

  await waitUntil(() => children.every((pid) => !isRunning(pid)), 15_000);
  expect(children.filter(isRunning)).toEqual([]);
  const busy: string[] = [];
  for (const [name, port] of Object.entries(ports)) if (!(await portIsFree(Number(port)))) busy.push(name);
  expect(busy).toEqual([]);
});
