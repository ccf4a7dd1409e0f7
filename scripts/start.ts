/**
 * `npm start`: the whole system on one machine.
 *  1. seeds the four SQLite databases if any is missing (scripts/seed.ts),
 *  2. composes the supergraph if it is missing or older than a subgraph SDL,
 *  3. starts the four subgraphs, waits until each answers /healthz,
 *  4. starts the gateway, waits for it, prints the URLs and how to get a token.
 * Ctrl-C (or SIGTERM) stops everything; if any process dies, the rest are stopped and the
 * exit code is non-zero. If this script itself is killed (even with SIGKILL), every child
 * notices its parent is gone and stops (lib/parent-watch.ts), freeing the ports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';
import { HEALTH_PATH, SUBGRAPH_ENDPOINTS, localSubgraphUrl } from '../lib/subgraphs';
import { loadSubgraphTls } from '../subgraphs/shared/tls';
import { createSubgraphDispatcher } from '../gateway/subgraph-transport';
import { ensureSeeded, ensureSupergraph, requireFile } from './prepare';
import { Supervisor, useColour, waitForHealth } from './supervisor';
import { openRuleVersionStore, policyStoreMode } from '../lib/rule-versions/open';
import { EnvCheck, exitOnConfigError } from '../lib/env-config';
import { checkSubgraphEnvironment } from '../subgraphs/shared/config';
import { cursorKeyFromEnvironment } from '../subgraphs/residents/cursor';
import { ConfigError, loadConfig } from '../gateway/config';
import type { SubgraphName } from '../lib/subgraphs';

// Rules change through two officers (README "Rule versions"): the whole system reads the rules in
// force from the version store in the audit database unless told otherwise (POLICY_STORE=dir: the
// policy folder, watched, as before). Set here so every child inherits it.
process.env.POLICY_STORE ??= 'database';
let startTimeoutMs = 120_000;

function say(line: string): void {
  process.stdout.write(`${useColour ? '\x1b[1m[start]\x1b[0m' : '[start]'} ${line}\n`);
}

/**
 * Every process `npm start` would start, checked before anything starts (nothing seeded, composed
 * or spawned): its own settings, the gateway's (gateway/config.ts, with the subgraph URLs it will
 * be given) and each subgraph's (subgraphs/shared/config.ts). Every problem in one message, exit
 * code 2, no stack trace (lib/env-config.ts).
 */
function checkConfiguration(env: NodeJS.ProcessEnv): { gatewayPort: number; subgraphPorts: Map<SubgraphName, number>; startTimeoutMs: number } {
  const check = new EnvCheck(env);
  const startTimeoutMs = check.wholeNumber('START_TIMEOUT_MS', 120_000, 1000);
  const subgraphPorts = new Map<SubgraphName, number>();
  for (const endpoint of SUBGRAPH_ENDPOINTS) {
    const config = checkSubgraphEnvironment(endpoint.name, env, check, endpoint.name === 'residents' ? cursorKeyFromEnvironment : undefined);
    subgraphPorts.set(endpoint.name, config.port);
  }
  let gatewayPort = 4000;
  try {
    const subgraphUrls = Object.fromEntries(SUBGRAPH_ENDPOINTS.map((endpoint) => [endpoint.urlEnv, env[endpoint.urlEnv] ?? localSubgraphUrl(subgraphPorts.get(endpoint.name) ?? endpoint.defaultPort)]));
    gatewayPort = loadConfig({ ...env, ...subgraphUrls }).port;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    check.problems.push(...error.problems);
  }
  // Port 0 ("any free port") cannot be probed or printed: npm start needs real ports.
  for (const name of ['GATEWAY_PORT', ...SUBGRAPH_ENDPOINTS.map((endpoint) => endpoint.portEnv)]) {
    if (check.read(name) === '0') check.problems.push(`${name} must be from 1 to 65535 under npm start, got '0'`);
  }
  check.done('npm start');
  return { gatewayPort, subgraphPorts, startTimeoutMs };
}

async function main(): Promise<void> {
  let checked;
  try {
    checked = checkConfiguration(process.env);
  } catch (error) {
    exitOnConfigError(error);
    return;
  }
  startTimeoutMs = checked.startTimeoutMs;
  const gatewayPort = checked.gatewayPort;
  const subgraphs = SUBGRAPH_ENDPOINTS.map((endpoint) => ({ endpoint, port: checked.subgraphPorts.get(endpoint.name) ?? endpoint.defaultPort }));
  let exitCode = 0;
  let finished = false;

  const finish = async (code: number): Promise<void> => {
    if (finished) return;
    finished = true;
    exitCode = code;
    await supervisor.stopAll();
    say(code === 0 ? 'stopped' : 'stopped after a failure');
    process.exit(exitCode);
  };

  const supervisor = new Supervisor((name, code, signal) => {
    say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
    void finish(1);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!supervisor.isStopping) say(`${signal}: stopping`);
      void finish(0);
    });
  }

  try {
    await ensureSeeded(supervisor, say);
    ensureSupergraph(say);
    await ensureRuleVersions();

    for (const { endpoint } of subgraphs) requireFile(`subgraphs/${endpoint.name}/main.ts`, `cannot start the ${endpoint.name} subgraph`);
    const started = subgraphs.map(({ endpoint, port: subgraphPort }) => ({
      endpoint,
      port: subgraphPort,
      child: supervisor.spawnTs(endpoint.name, `subgraphs/${endpoint.name}/main.ts`, [], { ...process.env, [endpoint.portEnv]: String(subgraphPort) }),
    }));
    // Subgraphs given a TLS key and certificate (SUBGRAPH_TLS_*_FILE) serve https; the probes
    // trust SUBGRAPH_CA_FILE as the gateway does.
    const schemeOf = (name: (typeof subgraphs)[number]['endpoint']['name']) => (loadSubgraphTls(name) ? 'https' : 'http');
    const caFile = process.env.SUBGRAPH_CA_FILE?.trim();
    const probe = caFile ? createSubgraphDispatcher({ caPem: fs.readFileSync(path.resolve(PROJECT_ROOT, caFile), 'utf8') }) : undefined;
    await Promise.all(
      started.map(({ endpoint, port: subgraphPort, child }) =>
        waitForHealth(endpoint.name, `${schemeOf(endpoint.name)}://127.0.0.1:${subgraphPort}${HEALTH_PATH}`, child, startTimeoutMs, probe),
      ),
    );
    await probe?.close();

    // The gateway calls the subgraphs where this script put them, unless told otherwise.
    const localUrl = (name: (typeof subgraphs)[number]['endpoint']['name'], subgraphPort: number) =>
      localSubgraphUrl(subgraphPort).replace(/^http:/, `${schemeOf(name)}:`);
    const subgraphUrls = Object.fromEntries(
      subgraphs.map(({ endpoint, port: subgraphPort }) => [endpoint.urlEnv, process.env[endpoint.urlEnv] ?? localUrl(endpoint.name, subgraphPort)]),
    );
    // APOLLO_TELEMETRY_DISABLED: gateway/main.ts forces it too; set here so the process starts with it (README "Nothing leaves the machine").
    const gateway = supervisor.spawnTs('gateway', 'gateway/main.ts', [], { ...process.env, ...subgraphUrls, GATEWAY_PORT: String(gatewayPort), APOLLO_TELEMETRY_DISABLED: 'true' });
    await waitForHealth('gateway', `http://127.0.0.1:${gatewayPort}${HEALTH_PATH}`, gateway, startTimeoutMs);
    if (finished) return;

    const lines = [
      '',
      'Everything is up:',
      `  ${'gateway'.padEnd(15)}http://127.0.0.1:${gatewayPort}/graphql   (GraphQL IDE: http://127.0.0.1:${gatewayPort}/)`,
      `  ${'console'.padEnd(15)}http://127.0.0.1:${gatewayPort}/console/   (security officers: npm run token -- security-officer, or the dev persona buttons)`,
      ...subgraphs.map(({ endpoint, port: subgraphPort }) => `  ${endpoint.name.padEnd(15)}${localUrl(endpoint.name, subgraphPort)}`),
      '',
      'Every gateway request needs a token. For a development token run, in another terminal:',
      '  npm run token -- registry-clerk        (npm run token -- --help lists the personas)',
      'and paste the last line into the IDE\'s token box, or:',
      '  TOKEN=$(npm run -s token -- registry-clerk)',
      `  curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"query":"{ __typename }"}' http://127.0.0.1:${gatewayPort}/graphql`,
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    for (const line of lines) say(line);
  } catch (error) {
    say(`error: ${error instanceof Error ? error.message : String(error)}`);
    await finish(1);
  }
}

main().catch((error: unknown) => {
  // Never a stack trace: what failed, once.
  say(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/**
 * POLICY_STORE=database: the version store's tables made, and on a new installation policy/
 * imported as version 1, once, before the six processes that read it start together.
 */
async function ensureRuleVersions(): Promise<void> {
  if (policyStoreMode() !== 'database') return;
  const versions = await openRuleVersionStore();
  try {
    const inForce = await versions.inForce();
    say(`access rules: version store (audit database), version ${inForce?.versionId.slice(0, 12)} in force (#${inForce?.sequence})`);
  } finally {
    await versions.db.destroy();
  }
}
