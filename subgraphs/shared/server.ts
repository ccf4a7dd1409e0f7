import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Knex } from 'knex';
import type { PolicyStore } from '../../lib/policy/store';
import { openRuleStore } from '../../lib/rule-versions/open';
import { createLogger, type Logger } from '../../lib/logger';
import { GRAPHQL_PATH, HEALTH_PATH, READY_PATH, subgraphEndpoint, type SubgraphName } from '../../lib/subgraphs';
import { subgraphReadiness, subgraphSpanMiddleware } from './observability';
import { openDatabase } from './database';
import { closeAggregateWorkers } from './aggregate-worker';
import { formatSubgraphError } from './errors';
import {
  authOf,
  bodyBinding,
  createIdentityVerifier,
  identityMiddleware,
  loadIdentityWindow,
  loadVerifyKeyConfig,
  type IdentityVerifierOptions,
  type SubgraphAuth,
  type VerifyKeyConfig,
} from './identity';
import { applySubgraphShield, type ShieldOptions } from './shield';
import { loadSubgraphTls, type SubgraphTls } from './tls';
import { PROJECT_ROOT } from '../../lib/project-root';

/** What every subgraph is made of; the four share this shape, so knowing one is knowing all. */
export interface SubgraphModule<TContext extends object> {
  name: SubgraphName;
  resolvers: GraphQLResolverMap<TContext>;
  /**
   * Called once per request: a fresh DataLoader set, so nothing is cached across callers.
   * `auth` is the caller the gateway signed in (row-level rules read its profile); the server
   * also puts it on the returned context as `auth`, where the shield reads it.
   */
  createContext(db: Knex, auth: SubgraphAuth): TContext;
}

/** Every resolver context carries the verified caller. */
export type WithAuth<TContext extends object> = TContext & { auth: SubgraphAuth };

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  port: number;
  db: Knex;
  stop(): Promise<void>;
}

export interface StartSubgraphOptions {
  port?: number;
  host?: string;
  /** An open database; when omitted, one is opened from the environment and closed on stop. */
  db?: Knex;
  /**
   * The gateway's public key(s) that identities must be signed with; default from the
   * environment (GATEWAY_VERIFY_KEY, or outside production the dev key pair: loadVerifyKeyConfig).
   */
  verifyKey?: VerifyKeyConfig;
  /**
   * Lifetime, clock tolerance and replay cache of the identities; default from the environment
   * (GATEWAY_IDENTITY_LIFETIME_SECONDS, GATEWAY_IDENTITY_CLOCK_TOLERANCE_SECONDS: loadIdentityWindow).
   */
  identity?: IdentityVerifierOptions;
  /**
   * Serve HTTPS with this key and certificate (PEM); default from the environment
   * (SUBGRAPH_TLS_KEY_FILE / SUBGRAPH_TLS_CERT_FILE: loadSubgraphTls), else plain HTTP.
   */
  tls?: SubgraphTls | false;
  /** The access rules the shield decides with; default a store over policy/ reloading on change (stopped on stop). */
  ruleStore?: PolicyStore;
  logger?: Logger;
}


export function loadSubgraphTypeDefs(name: SubgraphName): DocumentNode {
  return parse(fs.readFileSync(path.join(PROJECT_ROOT, subgraphEndpoint(name).schemaFile), 'utf8'));
}

/**
 * The subgraph's executable schema: its SDL and resolvers, with the shield (shield.ts) as the
 * second line of authorization. `shield: false` and shield options exist for the benchmark
 * (scripts/bench-shield.ts) and the shield's own tests only.
 */
export function buildSubgraphExecutableSchema<TContext extends object>(
  module: SubgraphModule<TContext>,
  options: { shield?: false | ShieldOptions } = {},
): GraphQLSchema {
  const typeDefs = loadSubgraphTypeDefs(module.name);
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: module.resolvers as GraphQLResolverMap<unknown> }]);
  return options.shield === false ? schema : applySubgraphShield(schema, typeDefs, options.shield ?? {});
}

/**
 * Starts one subgraph: GraphQL at GRAPHQL_PATH (/graphql), a liveness probe at HEALTH_PATH (/healthz),
 * readiness (its database answers) at READY_PATH (/readyz).
 * Every request to GRAPHQL_PATH must carry the identity the gateway signed for this subgraph
 * (identity.ts: 401 otherwise, before any parsing); the schema runs behind the shield.
 */
export async function startSubgraph<TContext extends object>(
  module: SubgraphModule<TContext>,
  options: StartSubgraphOptions = {},
): Promise<RunningSubgraph> {
  const logger = options.logger ?? createLogger(`subgraph:${module.name}`);
  const verifier = await createIdentityVerifier(module.name, options.verifyKey ?? loadVerifyKeyConfig(), {
    window: loadIdentityWindow(),
    ...options.identity,
  });
  const tls = options.tls === undefined ? loadSubgraphTls(module.name) : options.tls || undefined;
  const ownsRuleStore = !options.ruleStore;
  // POLICY_STORE chooses the policy folder or the version store (lib/rule-versions/open.ts), as in the gateway.
  const ruleStore = options.ruleStore ?? (await openRuleStore({ logger: logger.child({ component: 'access-rules' }) }));
  const ownsDb = !options.db;
  let db: Knex;
  try {
    db = options.db ?? openDatabase(module.name);
  } catch (error) {
    if (ownsRuleStore) ruleStore.stop();
    throw error;
  }
  const app = express();
  const httpServer = tls ? https.createServer({ key: tls.key, cert: tls.cert }, app) : http.createServer(app);
  const schema = buildSubgraphExecutableSchema(module);
  const server = new ApolloServer<WithAuth<TContext>>({
    schema,
    includeStacktraceInErrorResponses: false,
    formatError: formatSubgraphError,
    // Inline traces (ftv1) would hand per-field timings to any caller; the gateway does not use them.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled()],
  });
  await server.start();
  const binding = bodyBinding({ subgraph: module.name, verifier, logger });

  app.get(HEALTH_PATH, (_req, res) => {
    res.json({ status: 'ok', subgraph: module.name });
  });
  // Its database answers (503 naming it otherwise).
  app.get(READY_PATH, subgraphReadiness(module.name, db));
  app.use(
    GRAPHQL_PATH,
    // Continues the gateway's trace (traceparent), when tracing is on.
    subgraphSpanMiddleware(module.name),
    // Before body parsing: a caller the gateway did not sign in costs no parsing and gets no answer.
    identityMiddleware({ subgraph: module.name, verifier, rules: () => ruleStore.current(), logger }),
    // The identity is bound to the exact bytes received (hashed before parsing; compressed bodies
    // are refused, as the gateway never sends them), and its id is spent.
    express.json({ limit: '1mb', inflate: false, verify: binding.verify }),
    binding.requireBound,
    binding.refusals,
    expressMiddleware(server, {
      context: async ({ res }) => {
        const auth = authOf(res);
        return Object.assign(module.createContext(db, auth), { auth });
      },
    }),
  );

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, host, resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    name: module.name,
    url: `${tls ? 'https' : 'http'}://${host}:${port}${GRAPHQL_PATH}`,
    port,
    db,
    async stop() {
      await server.stop();
      if (ownsRuleStore) ruleStore.stop();
      // The dashboard aggregates' worker threads are the subgraph's, whoever owns the database.
      await closeAggregateWorkers(db);
      if (ownsDb) await db.destroy();
    },
  };
}
