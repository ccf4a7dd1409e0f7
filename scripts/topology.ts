/**
 * `npm run start:production-like`: the production topology on this machine (docs/production.md).
 *
 *  - the audit trail (and the bulk-output ledger) in a dedicated PostgreSQL database, created if
 *    missing and migrated once here, before any writer starts;
 *  - the four legacy subgraphs and the audit subgraph, each verifying the gateway's signed
 *    identity with the public key only (GATEWAY_VERIFY_KEY);
 *  - two gateway replicas on two ports, signing with one private key (GATEWAY_SIGNING_KEY),
 *    sharing their rate and concurrency counters in Redis (GATEWAY_LIMITS_REDIS_URL) and their
 *    trail in PostgreSQL (one hash chain: lib/audit/head-lock.ts);
 *  - a process that dies is started again after TOPOLOGY_RESTART_DELAY_MS (as systemd's
 *    Restart=always or an orchestrator would), so a fault is followed by recovery, not by the
 *    whole topology stopping as under `npm start`.
 *
 * Every child stops with this script, also after a SIGKILL (lib/parent-watch.ts). Tokens are
 * still dev tokens (`npm run token`): the ward's identity provider is the one part not run here.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair } from 'jose';
import { PROJECT_ROOT } from '../lib/project-root';
import { HEALTH_PATH, SUBGRAPH_ENDPOINTS, localSubgraphUrl } from '../lib/subgraphs';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE } from '../lib/private-files';
import { loadOrCreateDevKeys } from '../lib/dev-keys';
import { openAuditStore } from '../lib/audit/store';
import { auditDatabaseConfig } from '../lib/audit/config';
import { openBulkLedger } from '../lib/bulk/ledger';
import { ensureSeeded, ensureSupergraph, requireFile } from './prepare';
import { openRuleVersionStore, policyStoreMode } from '../lib/rule-versions/open';
import { Supervisor, useColour, waitForHealth, type Child } from './supervisor';

const startTimeoutMs = Number(process.env['START_TIMEOUT_MS'] ?? 120_000);
/** A death within this of the start doubles the next restart delay (a crash loop backs off to 30 s). */
const STABLE_AFTER_MS = 30_000;
const MAX_RESTART_DELAY_MS = 30_000;

/** A path as the operator would type it: relative inside the project, absolute outside. */
function shown(file: string): string {
  const relative = path.relative(PROJECT_ROOT, file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

function say(line: string): void {
  process.stdout.write(`${useColour ? '\x1b[1m[topology]\x1b[0m' : '[topology]'} ${line}\n`);
}

class TopologyConfigError extends Error {}

interface TopologySettings {
  readonly gatewayPorts: readonly number[];
  /** Each replica's operations listener (/metrics, /readyz: GATEWAY_METRICS_PORT), one port each. */
  readonly metricsPorts: readonly number[];
  readonly subgraphPorts: Readonly<Record<string, number>>;
  /** Where the dedicated audit database is created (a maintenance database of the server). */
  readonly postgresAdminUrl: string;
  readonly auditDatabase: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly restartDelayMs: number;
  /** The gateway signing key, its public half and the dev token keys (0700). */
  readonly keysDir: string;
}

function readPort(name: string, value: string, problems: string[]): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) problems.push(`${name} must hold port numbers (1-65535), got '${value}'`);
  return port;
}

/** The topology's settings from the environment, every problem at once. */
function topologySettings(env: NodeJS.ProcessEnv = process.env): TopologySettings {
  const problems: string[] = [];
  const read = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const gatewayPorts = (read('TOPOLOGY_GATEWAY_PORTS') ?? '4000,4010').split(',').map((port) => readPort('TOPOLOGY_GATEWAY_PORTS', port.trim(), problems));
  if (gatewayPorts.length < 2) problems.push('TOPOLOGY_GATEWAY_PORTS must name at least two ports (one per gateway replica)');
  const metricsText = read('TOPOLOGY_METRICS_PORTS') ?? gatewayPorts.map((_, index) => 9464 + 10 * index).join(',');
  const metricsPorts = metricsText.split(',').map((port) => readPort('TOPOLOGY_METRICS_PORTS', port.trim(), problems));
  if (metricsPorts.length !== gatewayPorts.length) problems.push('TOPOLOGY_METRICS_PORTS must name one port per gateway replica');
  const subgraphPorts: Record<string, number> = {};
  for (const endpoint of SUBGRAPH_ENDPOINTS) subgraphPorts[endpoint.name] = readPort(endpoint.portEnv, read(endpoint.portEnv) ?? String(endpoint.defaultPort), problems);
  const ports = [...gatewayPorts, ...metricsPorts, ...Object.values(subgraphPorts)];
  if (new Set(ports).size !== ports.length) problems.push(`every process needs its own port, got ${ports.join(', ')}`);
  const auditDatabase = read('TOPOLOGY_AUDIT_DATABASE') ?? 'ward_audit';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(auditDatabase)) problems.push(`TOPOLOGY_AUDIT_DATABASE must be a plain lower-case PostgreSQL name, got '${auditDatabase}'`);
  const restartDelay = read('TOPOLOGY_RESTART_DELAY_MS') ?? '2000';
  if (!/^\d+$/.test(restartDelay) || Number(restartDelay) > 600_000) problems.push(`TOPOLOGY_RESTART_DELAY_MS must be milliseconds from 0 to 600000, got '${restartDelay}'`);
  for (const name of ['AUDIT_DB_CLIENT', 'AUDIT_DB_URL']) {
    if (read(name) !== undefined) problems.push(`${name} is set by the topology (PostgreSQL database TOPOLOGY_AUDIT_DATABASE); unset it`);
  }
  if (problems.length > 0) throw new TopologyConfigError(`Invalid topology configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  const dataDir = path.resolve(PROJECT_ROOT, read('DATA_DIR') ?? 'data');
  return {
    gatewayPorts,
    metricsPorts,
    subgraphPorts,
    postgresAdminUrl: read('TOPOLOGY_PG_ADMIN_URL') ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    auditDatabase,
    redisUrl: read('GATEWAY_LIMITS_REDIS_URL') ?? 'redis://127.0.0.1:6379/0',
    redisPrefix: read('GATEWAY_LIMITS_REDIS_PREFIX') ?? 'ward-gateway:limits',
    restartDelayMs: Number(restartDelay),
    keysDir: path.resolve(PROJECT_ROOT, read('TOPOLOGY_KEYS_DIR') ?? path.join(dataDir, 'topology-keys')),
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates the dedicated audit database when missing; returns its URL. */
async function ensureAuditDatabase(settings: TopologySettings): Promise<string> {
  const admin = knexFactory({ client: 'pg', connection: { connectionString: settings.postgresAdminUrl, connectionTimeoutMillis: 5000 }, pool: { min: 0, max: 1 } });
  try {
    const exists = await admin.raw('select 1 from pg_database where datname = ?', [settings.auditDatabase]);
    if (exists.rows.length === 0) {
      say(`creating the audit database ${settings.auditDatabase}`);
      await admin.raw("create database ?? encoding 'UTF8' template template0", [settings.auditDatabase]);
    }
  } catch (error) {
    throw new Error(`PostgreSQL at ${new URL(settings.postgresAdminUrl).host} cannot hold the audit database: ${(error as Error).message}`);
  } finally {
    await admin.destroy();
  }
  return withDatabase(settings.postgresAdminUrl, settings.auditDatabase);
}

/**
 * Migrates the trail and the bulk-output ledger once, here: the replicas and the audit subgraph
 * then open a database that is already at the latest version instead of racing to migrate it.
 */
async function migrateAuditDatabase(env: NodeJS.ProcessEnv): Promise<void> {
  const store = await openAuditStore({ env });
  const head = await store.head();
  await store.close();
  const ledger = await openBulkLedger(auditDatabaseConfig(env));
  await ledger.close();
  say(`audit trail ready (PostgreSQL, ${head.sequence} records)`);
  // Rule versions (README "Rule versions"): the replicas and subgraphs read the version in force
  // from the same database; on a new installation policy/ is imported as version 1, once, here.
  if (policyStoreMode(env) === 'database') {
    const versions = await openRuleVersionStore(env);
    try {
      const inForce = await versions.inForce();
      say(`access rules: version store (PostgreSQL), version ${inForce?.versionId.slice(0, 12)} in force (#${inForce?.sequence})`);
    } finally {
      await versions.db.destroy();
    }
  }
}

async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis at ${new URL(url).host} does not answer (${(error as Error).message}): the replicas' shared counters need it`);
  } finally {
    redis.disconnect();
  }
}

/**
 * The gateway's identity key pair for this topology (Ed25519), made once: the replicas get the
 * private key file, the subgraphs the public one only, as in production. Never the dev key pair
 * that `npm start` generates for both sides.
 */
async function ensureIdentityKeys(keysDir: string): Promise<{ signingKeyFile: string; verifyKeyFile: string }> {
  ensurePrivateDirectory(keysDir);
  const signingKeyFile = path.join(keysDir, 'gateway-signing-key.json');
  const verifyKeyFile = path.join(keysDir, 'gateway-verify-key.json');
  if (!fs.existsSync(signingKeyFile) || !fs.existsSync(verifyKeyFile)) {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = `topology-${new Date().toISOString().slice(0, 10)}`;
    fs.writeFileSync(signingKeyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' }), { mode: PRIVATE_FILE_MODE });
    fs.writeFileSync(verifyKeyFile, JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }), { mode: 0o644 });
    say(`generated the gateway identity key pair in ${shown(keysDir)}`);
  }
  return { signingKeyFile, verifyKeyFile };
}

interface Service {
  readonly name: string;
  readonly script: string;
  readonly env: NodeJS.ProcessEnv;
  readonly healthUrl: string;
  child?: Child;
  startedAt: number;
  /** Deaths in a row, each within STABLE_AFTER_MS of its start. */
  quickDeaths: number;
}

async function main(): Promise<void> {
  let settings: TopologySettings;
  try {
    settings = topologySettings();
  } catch (error) {
    if (!(error instanceof TopologyConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }

  const services = new Map<string, Service>();
  let finished = false;
  const start = (service: Service): Child => {
    service.startedAt = Date.now();
    service.child = supervisor.spawnTs(service.name, service.script, [], service.env);
    // The test (and an operator) find each process by this line.
    say(`started ${service.name} pid ${service.child.process.pid}`);
    return service.child;
  };
  const supervisor = new Supervisor((name, code, signal) => {
    const service = services.get(name);
    if (!service || finished) return;
    // A process that keeps dying soon after its start waits longer each time (a crash loop).
    service.quickDeaths = Date.now() - service.startedAt < STABLE_AFTER_MS ? service.quickDeaths + 1 : 0;
    const delay = Math.min(settings.restartDelayMs * 2 ** Math.max(0, service.quickDeaths - 1), MAX_RESTART_DELAY_MS);
    say(`${name} exited (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
    // Not unref'd: with every child dead at once, this timer is what keeps the supervisor alive.
    setTimeout(() => {
      if (!finished && !supervisor.isStopping) start(service);
    }, delay);
  });
  const finish = async (code: number): Promise<void> => {
    if (finished) return;
    finished = true;
    await supervisor.stopAll();
    say(code === 0 ? 'stopped' : 'stopped after a failure');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!supervisor.isStopping) say(`${signal}: stopping`);
      void finish(0);
    });
  }

  try {
    await ensureSeeded(supervisor, say);
    ensureSupergraph(say);
    const auditUrl = await ensureAuditDatabase(settings);
    // Replicas share the trail and the rules in force (POLICY_STORE=database unless set otherwise).
    const auditEnv = { AUDIT_DB_CLIENT: 'pg', AUDIT_DB_URL: auditUrl, POLICY_STORE: process.env.POLICY_STORE ?? 'database' };
    await migrateAuditDatabase({ ...process.env, ...auditEnv });
    await pingRedis(settings.redisUrl);
    const { signingKeyFile, verifyKeyFile } = await ensureIdentityKeys(settings.keysDir);
    // Dev tokens (the identity provider's stand-in) are signed with this pair; made before the
    // replicas start so that they do not both create it.
    const devKeysPath = path.resolve(PROJECT_ROOT, process.env.AUTH_DEV_KEYS_PATH ?? path.join(settings.keysDir, 'dev-keys.json'));
    await loadOrCreateDevKeys(devKeysPath);

    const common: NodeJS.ProcessEnv = { ...process.env, ...auditEnv, AUTH_DEV_KEYS_PATH: devKeysPath, APOLLO_TELEMETRY_DISABLED: 'true' };
    const subgraphUrls = Object.fromEntries(SUBGRAPH_ENDPOINTS.map((endpoint) => [endpoint.urlEnv, localSubgraphUrl(settings.subgraphPorts[endpoint.name] as number)]));
    for (const endpoint of SUBGRAPH_ENDPOINTS) {
      requireFile(`subgraphs/${endpoint.name}/main.ts`, `cannot start the ${endpoint.name} subgraph`);
      const port = settings.subgraphPorts[endpoint.name] as number;
      services.set(endpoint.name, {
        name: endpoint.name,
        script: `subgraphs/${endpoint.name}/main.ts`,
        // The public key only: a subgraph cannot mint identities.
        env: { ...common, [endpoint.portEnv]: String(port), GATEWAY_VERIFY_KEY: verifyKeyFile },
        healthUrl: `http://127.0.0.1:${port}${HEALTH_PATH}`,
        startedAt: 0,
        quickDeaths: 0,
      });
    }
    settings.gatewayPorts.forEach((port, index) => {
      const name = `gateway-${String.fromCharCode(97 + index)}`;
      services.set(name, {
        name,
        script: 'gateway/main.ts',
        env: {
          ...common,
          ...subgraphUrls,
          GATEWAY_PORT: String(port),
          GATEWAY_METRICS_PORT: String(settings.metricsPorts[index]),
          GATEWAY_SIGNING_KEY: signingKeyFile,
          GATEWAY_LIMITS_REDIS_URL: settings.redisUrl,
          GATEWAY_LIMITS_REDIS_PREFIX: settings.redisPrefix,
        },
        healthUrl: `http://127.0.0.1:${port}${HEALTH_PATH}`,
        startedAt: 0,
        quickDeaths: 0,
      });
    });

    const subgraphs = [...services.values()].filter((service) => !service.name.startsWith('gateway-'));
    const gateways = [...services.values()].filter((service) => service.name.startsWith('gateway-'));
    await Promise.all(subgraphs.map((service) => waitForHealth(service.name, service.healthUrl, start(service), startTimeoutMs)));
    await Promise.all(gateways.map((service) => waitForHealth(service.name, service.healthUrl, start(service), startTimeoutMs)));
    if (finished) return;

    const lines = [
      '',
      'Everything is up (production-like):',
      ...settings.gatewayPorts.map((port, index) => `  ${`gateway-${String.fromCharCode(97 + index)}`.padEnd(15)}http://127.0.0.1:${port}/graphql`),
      ...SUBGRAPH_ENDPOINTS.map((endpoint) => `  ${endpoint.name.padEnd(15)}${localSubgraphUrl(settings.subgraphPorts[endpoint.name] as number)}`),
      `  ${'audit trail'.padEnd(15)}PostgreSQL database ${settings.auditDatabase} (npm run audit:verify with AUDIT_DB_CLIENT=pg AUDIT_DB_URL=${auditUrl})`,
      `  ${'limits'.padEnd(15)}Redis ${new URL(settings.redisUrl).host}, keys ${settings.redisPrefix}:*`,
      '',
      `Tokens: AUTH_DEV_KEYS_PATH=${shown(devKeysPath)} npm run -s token -- registry-clerk`,
      'A process that dies is started again; Ctrl-C stops everything.',
      '',
    ];
    for (const line of lines) say(line);
  } catch (error) {
    say(`error: ${error instanceof Error ? error.message : String(error)}`);
    await finish(1);
  }
}

void main();
