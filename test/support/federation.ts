import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { SUBGRAPH_ENDPOINTS, SUBGRAPH_NAMES, envPrefix, type SubgraphName } from '../../lib/subgraphs';
import { openDatabase, databaseConfig } from '../../subgraphs/shared/database';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from '../../subgraphs/shared/server';
import { onOffThreadStatements } from '../../subgraphs/shared/aggregate-worker';
import type { IdentityVerifierOptions } from '../../subgraphs/shared/identity';
import type { SubgraphTls } from '../../subgraphs/shared/tls';
import { residentsSubgraph } from '../../subgraphs/residents';
import { jukiCsSubgraph } from '../../subgraphs/juki-cs';
import { intermediateSubgraph } from '../../subgraphs/intermediate';
import { cardProgressSubgraph } from '../../subgraphs/card-progress';
import { auditSubgraph, createAuditSubgraph } from '../../subgraphs/audit';
import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import { auditSqliteConfig } from '../../lib/audit/config';
import { loadConfig, type GatewayConfig } from '../../gateway/config';
import { startGateway, type Gateway, type GatewayOptions, type RunningGateway } from '../../gateway/server';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { composeSupergraph } from '../../scripts/compose';
import { createLogger } from '../../lib/logger';
import type { LevelWithSilent } from 'pino';
import type { AuditSink } from '../../gateway/audit';
import { postGraphQL, type GraphQLResult } from './graphql';
import type { VersionedRuleStore } from '../../lib/rule-versions/store-rule-store';

/**
 * The whole federation in one test process: the four real subgraphs on real SQLite (or another
 * configured database), composed into a real supergraph, behind the real gateway. Nothing is
 * stubbed; the only shortcut is that everything shares one Node process and random ports.
 */

export const SUBGRAPH_MODULES: Record<SubgraphName, SubgraphModule<object>> = {
  residents: residentsSubgraph as SubgraphModule<object>,
  'juki-cs': jukiCsSubgraph as SubgraphModule<object>,
  intermediate: intermediateSubgraph as SubgraphModule<object>,
  'card-progress': cardProgressSubgraph as SubgraphModule<object>,
  audit: auditSubgraph as SubgraphModule<object>,
};

export interface Federation {
  gatewayUrl: string;
  /** The gateway's operations listener (/metrics, /readyz), e.g. http://127.0.0.1:41234. */
  opsUrl: string | undefined;
  /** The running gateway (its authorization counters: `gateway.authorization.stats()`). */
  gateway: Gateway;
  /** The gateway's configuration: a test starts another replica of it with this. */
  gatewayConfig: GatewayConfig;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  /**
   * The key pair the gateway signs subgraph identities with (and the subgraphs verify with), in
   * the dev key file format: tests that call a subgraph directly sign with it (test/support/gateway-identity.ts).
   */
  identityKeysPath: string;
  /** The SQLite file of the gateway's audit store (when no sink was passed in). */
  auditFile: string;
  /**
   * SQL statements each subgraph ran since the last `resetStatements()`. For `audit`: those of
   * the store the harness opens for it (none are counted when an `audit` store is passed in, as
   * the gateway writes through that one too).
   */
  statements: Record<SubgraphName, string[]>;
  resetStatements(): void;
  token(persona: string, options?: { purpose?: string; expiresIn?: string }): Promise<string>;
  query<TData = Record<string, unknown>>(
    persona: string | null,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResult<TData>>;
  stop(): Promise<void>;
}

export interface StartFederationOptions {
  /** Where the seeded SQLite files are; defaults to the suite's shared test data (global setup). */
  dataDir?: string;
  /** Databases opened by the caller (e.g. PostgreSQL); they are not closed on stop. */
  databases?: Partial<Record<SubgraphName, Knex>>;
  /** The access rules' folder for the gateway; defaults to the repository's policy/. */
  policyDir?: string;
  /**
   * The gateway's audit trail: a sink (e.g. an AuditStore the test opened; not closed on stop),
   * or by default a real SQLite store in `auditFile` (a fresh file in the federation's temp dir).
   */
  audit?: AuditSink;
  auditFile?: string;
  /** Gateway settings added to (and winning over) the harness's, e.g. a subgraph URL or SUBGRAPH_CA_FILE. */
  gatewayEnv?: Record<string, string>;
  /** How every subgraph verifies identities (lifetime, replay cache, its clock). */
  subgraphIdentity?: IdentityVerifierOptions;
  /** Subgraphs that serve HTTPS with this key and certificate. */
  subgraphTls?: Partial<Record<SubgraphName, SubgraphTls>>;
  /**
   * Rule versions (POLICY_STORE=database, issue 12): the one versioned store the gateway, every
   * subgraph and the audit subgraph's workflow share (the caller stops it). Default: policy/ (or
   * `policyDir`), as before.
   */
  ruleStore?: VersionedRuleStore;
  /** The bulk-output check's ledger and clock (gateway/bulk/); default: on the audit database, the system's clock. */
  /** … and the gateway's logger (default silent). */
  gateway?: Pick<GatewayOptions, 'bulk' | 'bulkClock' | 'logger' | 'planningBudget'>;
}

export function testDataDir(): string {
  const dir = process.env.WARD_TEST_DATA_DIR;
  if (!dir) throw new Error('WARD_TEST_DATA_DIR is not set: run the tests through jest (test/support/global-setup.ts seeds it)');
  return dir;
}

export async function startFederation(options: StartFederationOptions = {}): Promise<Federation> {
  const dataDir = options.dataDir ?? testDataDir();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-federation-'));
  const statements = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, [] as string[]])) as Record<SubgraphName, string[]>;
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  const ownedDbs: Knex[] = [];
  // The audit subgraph's own store over the trail the gateway writes (closed on stop).
  const ownedStores: AuditStore[] = [];
  let gateway: RunningGateway | undefined;
  // The gateway generates it on first use (dev format); the subgraphs verify with its public half.
  const identityKeysPath = path.join(workDir, 'gateway-identity-keys.json');
  const logLevel = (process.env.TEST_LOG_LEVEL ?? 'silent') as LevelWithSilent;
  const auditFile = options.auditFile ?? path.join(workDir, 'audit.sqlite');
  try {
    for (const name of SUBGRAPH_NAMES) {
      // A subgraph whose module is not in SUBGRAPH_MODULES (yet) is not started.
      const module = (SUBGRAPH_MODULES as Partial<Record<SubgraphName, SubgraphModule<object>>>)[name];
      if (!module) continue;
      let db = options.databases?.[name];
      if (!db) {
        const file = name === 'audit' ? auditFile : path.join(dataDir, `${name}.sqlite`);
        db = openDatabase(name, databaseConfig(name, { [`${envPrefix(name)}_DB_FILE`]: file }));
        ownedDbs.push(db);
      }
      db.on('query', (query: { sql: string }) => statements[name].push(query.sql));
      // Dashboard aggregates run on a worker thread under SQLite (subgraphs/shared/aggregate-worker.ts),
      // with a connection of its own: its statements are the subgraph's all the same.
      onOffThreadStatements(db, (sql) => statements[name].push(sql));
      let started = module;
      if (name === 'audit') {
        // It reads what the gateway writes: the store passed in, or one over the same file.
        const sink = options.audit as Partial<AuditStore> | undefined;
        let store: AuditStore;
        if (sink && typeof sink.query === 'function') store = sink as AuditStore;
        else {
          ownedStores.push((store = await openAuditStore({ config: auditSqliteConfig(auditFile) })));
          // The subgraph reads through this store's own knex, not `db`: its statements are the
          // audit subgraph's (only it uses this store; the gateway writes through its own).
          (store as unknown as { db?: Knex }).db?.on('query', (query: { sql: string }) => statements[name].push(query.sql));
        }
        started = createAuditSubgraph({ store, ...(options.ruleStore ? { ruleVersions: options.ruleStore.versions } : {}) }) as SubgraphModule<object>;
      }
      subgraphs[name] = await startSubgraph(started, {
        port: 0,
        db,
        verifyKey: { source: 'dev', keysPath: identityKeysPath },
        ...(options.subgraphIdentity ? { identity: options.subgraphIdentity } : {}),
        tls: options.subgraphTls?.[name] ?? false,
        ...(options.ruleStore ? { ruleStore: options.ruleStore } : {}),
        logger: createLogger(`subgraph:${name}`, logLevel),
      });
    }

    const supergraphPath = path.join(workDir, 'supergraph.graphql');
    const composed = composeSupergraph();
    if (!composed.ok) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
    fs.writeFileSync(supergraphPath, composed.supergraphSdl);
    const env: Record<string, string> = {
      GATEWAY_PORT: '0',
      SUPERGRAPH_PATH: supergraphPath,
      AUTH_MODE: 'dev',
      AUTH_DEV_KEYS_PATH: path.join(workDir, 'dev-keys.json'),
      GATEWAY_IDENTITY_DEV_KEYS_PATH: identityKeysPath,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      AUDIT_DB_FILE: auditFile,
      // Suites assert counts, not time, on a shared machine: a slow 1,000-row answer is not a
      // timeout here. Tests of the deadline set their own (gatewayEnv).
      SUBGRAPH_TIMEOUT_MS: '60000',
    };
    for (const endpoint of SUBGRAPH_ENDPOINTS) if (subgraphs[endpoint.name]) env[endpoint.urlEnv] = subgraphs[endpoint.name].url;
    const config = loadConfig({ ...env, ...options.gatewayEnv });
    gateway = await startGateway({
      config,
      ...(options.policyDir !== undefined ? { policyDir: options.policyDir } : {}),
      ...(options.audit !== undefined ? { audit: options.audit } : {}),
      ...(options.ruleStore ? { ruleStore: options.ruleStore } : {}),
      ...options.gateway,
    });
    const keys = await loadOrCreateDevKeys(config.auth.mode === 'dev' ? config.auth.devKeysPath : '');
    const gatewayUrl = gateway.url;

    const token = async (personaId: string, tokenOptions: { purpose?: string; expiresIn?: string } = {}) => {
      const persona = findPersona(personaId);
      if (!persona) throw new Error(`unknown persona ${personaId}`);
      return (await mintDevToken({ persona, keys, ...tokenOptions })).token;
    };

    const running = gateway;
    return {
      gatewayUrl,
      opsUrl: running.opsUrl,
      gateway: running.gateway,
      gatewayConfig: config,
      identityKeysPath,
      auditFile,
      subgraphs,
      statements,
      resetStatements() {
        for (const name of SUBGRAPH_NAMES) statements[name].length = 0;
      },
      token,
      async query<TData>(persona: string | null, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
        const authorization: Record<string, string> = persona ? { authorization: `Bearer ${await token(persona)}` } : {};
        const result = await postGraphQL<TData>(gatewayUrl, query, variables, { ...authorization, ...headers });
        // The work an operation causes includes its persons' attribution after the response
        // (gateway/audit/attribution.ts): done before the caller counts statements or reads the trail.
        await running.gateway.attribution?.settled();
        return result;
      },
      async stop() {
        await running.stop();
        for (const subgraph of Object.values(subgraphs)) await subgraph.stop();
        for (const store of ownedStores) await store.close();
        for (const db of ownedDbs) await db.destroy();
        fs.rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await gateway?.stop();
    for (const subgraph of Object.values(subgraphs)) await subgraph.stop();
    for (const store of ownedStores) await store.close();
    for (const db of ownedDbs) await db.destroy();
    throw error;
  }
}
