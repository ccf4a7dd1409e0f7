import net from 'node:net';
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../lib/project-root';
import { SUBGRAPH_ENDPOINTS } from '../../lib/subgraphs';
import { CONFIG_EXIT_CODE } from '../../lib/env-config';
import { testDataDir } from '../support/federation';

/**
 * Issue 15.4: under `npm start`, `GATEWAY_PORT=abc` printed a raw stack trace and `LOG_LEVEL=loud`
 * crashed a subgraph inside pino before anything validated. Every process now checks its whole
 * configuration first and stops with one message and exit code 2; `npm start` checks all of them
 * before it seeds, composes or starts anything.
 */

jest.setTimeout(120_000);

const STACK = /\n\s+at |node:internal|\.ts:\d+:\d+|Error: /;

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

/** Runs a process entry with the suite's data and free ports plus `settings`; its exit code and all of its output. */
async function run(script: string, settings: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: testDataDir(), NO_COLOR: '1', APOLLO_TELEMETRY_DISABLED: 'true' };
  delete env.LOG_LEVEL;
  env.GATEWAY_PORT = String(await freePort());
  for (const endpoint of SUBGRAPH_ENDPOINTS) {
    env[endpoint.portEnv] = String(await freePort());
    delete env[endpoint.urlEnv];
  }
  Object.assign(env, settings);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

test('npm start with GATEWAY_PORT=abc: one message naming it, exit code 2, no stack trace', async () => {
  const { code, output } = await run('scripts/start.ts', { GATEWAY_PORT: 'abc' });
  expect({ code, stack: STACK.test(output) }).toEqual({ code: CONFIG_EXIT_CODE, stack: false });
  expect(output).toBe("Invalid npm start configuration:\n  - GATEWAY_PORT must be a port number (0-65535), got 'abc'\n");
});

test('npm start with LOG_LEVEL=loud: stopped before any subgraph starts (was a crash inside pino), exit code 2', async () => {
  const { code, output } = await run('scripts/start.ts', { LOG_LEVEL: 'loud' });
  expect({ code, stack: STACK.test(output) }).toEqual({ code: CONFIG_EXIT_CODE, stack: false });
  expect(output).toBe("Invalid npm start configuration:\n  - LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'\n");
});

test('npm start reports every bad setting of every process at once', async () => {
  const { code, output } = await run('scripts/start.ts', { LOG_LEVEL: 'loud', JUKI_CS_PORT: '70000', RESIDENTS_CURSOR_KEY: 'short', AUDIT_DB_CLIENT: 'oracle', GATEWAY_DOCUMENT_MAX_DEPTH: 'deep' });
  expect(code).toBe(CONFIG_EXIT_CODE);
  expect(STACK.test(output)).toBe(false);
  expect(output.split('\n').filter((line) => line.startsWith('  - ')).length).toBeGreaterThanOrEqual(5);
  for (const name of ['LOG_LEVEL', 'JUKI_CS_PORT', 'RESIDENTS_CURSOR_KEY', 'AUDIT_DB_CLIENT', 'GATEWAY_DOCUMENT_MAX_DEPTH']) expect(output).toContain(name);
});

test('a subgraph started on its own with LOG_LEVEL=loud: one message, exit code 2, no crash inside pino', async () => {
  const { code, output } = await run('subgraphs/juki-cs/main.ts', { LOG_LEVEL: 'loud' });
  expect({ code, stack: STACK.test(output) }).toEqual({ code: CONFIG_EXIT_CODE, stack: false });
  expect(output).toBe("Invalid subgraph juki-cs configuration:\n  - LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'\n");
});

test('npm run seed with a database it cannot use: one message, exit code 2, nothing written', async () => {
  const { code, output } = await run('scripts/seed.ts', { RESIDENTS_DB_CLIENT: 'oracle', JUKI_CS_DB_CLIENT: 'pg' });
  expect({ code, stack: STACK.test(output) }).toEqual({ code: CONFIG_EXIT_CODE, stack: false });
  expect(output).toBe('Invalid seed configuration:\n  - RESIDENTS_DB_CLIENT must be better-sqlite3, pg or mssql (got "oracle")\n  - JUKI_CS_DB_URL is required when JUKI_CS_DB_CLIENT=pg\n');
});
