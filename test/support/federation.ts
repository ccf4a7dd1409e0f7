import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { SUBGRAPH_ENDPOINTS, SUBGRAPH_NAMES, envPrefix, type SubgraphName } from '../../lib/subgraphs';
import { openDatabase, databaseConfig } from '../../subgraphs/shared/database';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from '../../subgraphs/shared/server';
import { residentsSubgraph } from '../../subgraphs/residents';
import { jukiCsSubgraph } from '../../subgraphs/juki-cs';
import { intermediateSubgraph } from '../../subgraphs/intermediate';
import { cardProgressSubgraph } from '../../subgraphs/card-progress';
import { loadConfig } from '../../gateway/config';
import { startGateway, type Gateway, type RunningGateway } from '../../gateway/server';
import { loadOrCreateDevKeys } from '../../gateway/auth/dev-keys';
import { mintDevToken } from '../../gateway/auth/dev-token';
import { findPersona } from '../../gateway/auth/personas';
import { composeSupergraph } from '../../scripts/compose';
import { createLogger } from '../../lib/logger';
import type { LevelWithSilent } from 'pino';
import { postGraphQL, type GraphQLResult } from './graphql';

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
};

export interface Federation {
  gatewayUrl: string;
  /** The running gateway (its authorization counters: `gateway.authorization.stats()`). */
  gateway: Gateway;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  /**
   * The key pair the gateway signs subgraph identities with (and the subgraphs verify with), in
   * the dev key file format: tests that call a subgraph directly sign with it (test/support/gateway-identity.ts).
   */
  identityKeysPath: string;
  /** SQL statements each subgraph ran since the last `resetStatements()`. */
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
  let gateway: RunningGateway | undefined;
  // The gateway generates it on first use (dev format); the subgraphs verify with its public half.
  const identityKeysPath = path.join(workDir, 'gateway-identity-keys.json');
  const logLevel = (process.env.TEST_LOG_LEVEL ?? 'silent') as LevelWithSilent;
  try {
    for (const name of SUBGRAPH_NAMES) {
      let db = options.databases?.[name];
      if (!db) {
        db = openDatabase(name, databaseConfig(name, { [`${envPrefix(name)}_DB_FILE`]: path.join(dataDir, `${name}.sqlite`) }));
        ownedDbs.push(db);
      }
      db.on('query', (query: { sql: string }) => statements[name].push(query.sql));
      subgraphs[name] = await startSubgraph(SUBGRAPH_MODULES[name], {
        port: 0,
        db,
        verifyKey: { source: 'dev', keysPath: identityKeysPath },
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
    };
    for (const endpoint of SUBGRAPH_ENDPOINTS) env[endpoint.urlEnv] = subgraphs[endpoint.name].url;
    const config = loadConfig(env);
    gateway = await startGateway({ config, ...(options.policyDir !== undefined ? { policyDir: options.policyDir } : {}) });
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
      gateway: running.gateway,
      identityKeysPath,
      subgraphs,
      statements,
      resetStatements() {
        for (const name of SUBGRAPH_NAMES) statements[name].length = 0;
      },
      token,
      async query(persona, query, variables, headers = {}) {
        const authorization: Record<string, string> = persona ? { authorization: `Bearer ${await token(persona)}` } : {};
        return postGraphQL(gatewayUrl, query, variables, { ...authorization, ...headers });
      },
      async stop() {
        await running.stop();
        for (const subgraph of Object.values(subgraphs)) await subgraph.stop();
        for (const db of ownedDbs) await db.destroy();
        fs.rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await gateway?.stop();
    for (const subgraph of Object.values(subgraphs)) await subgraph.stop();
    for (const db of ownedDbs) await db.destroy();
    throw error;
  }
}
