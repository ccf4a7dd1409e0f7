import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, type DocumentNode } from 'graphql';
import type { Knex } from 'knex';
import { GRAPHQL_PATH, HEALTH_PATH, subgraphEndpoint, type SubgraphName } from '../../lib/subgraphs';
import { openDatabase } from './database';
import { formatSubgraphError } from './errors';

/** What every subgraph is made of; the four share this shape, so knowing one is knowing all. */
export interface SubgraphModule<TContext extends object> {
  name: SubgraphName;
  resolvers: GraphQLResolverMap<TContext>;
  /** Called once per request: a fresh DataLoader set, so nothing is cached across callers. */
  createContext(db: Knex): TContext;
}

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
}

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export function loadSubgraphTypeDefs(name: SubgraphName): DocumentNode {
  return parse(fs.readFileSync(path.join(PROJECT_ROOT, subgraphEndpoint(name).schemaFile), 'utf8'));
}

/** Starts one subgraph: GraphQL at GRAPHQL_PATH (/graphql), a liveness probe at HEALTH_PATH (/healthz). */
export async function startSubgraph<TContext extends object>(
  module: SubgraphModule<TContext>,
  options: StartSubgraphOptions = {},
): Promise<RunningSubgraph> {
  const ownsDb = !options.db;
  const db = options.db ?? openDatabase(module.name);
  const app = express();
  const httpServer = http.createServer(app);
  const schema = buildSubgraphSchema([{ typeDefs: loadSubgraphTypeDefs(module.name), resolvers: module.resolvers as GraphQLResolverMap<unknown> }]);
  const server = new ApolloServer<TContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    formatError: formatSubgraphError,
    // Inline traces (ftv1) would hand per-field timings to any caller; the gateway does not use them.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled()],
  });
  await server.start();

  app.get(HEALTH_PATH, (_req, res) => {
    res.json({ status: 'ok', subgraph: module.name });
  });
  app.use(GRAPHQL_PATH, express.json({ limit: '1mb' }), expressMiddleware(server, { context: async () => module.createContext(db) }));

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, host, resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    name: module.name,
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    port,
    db,
    async stop() {
      await server.stop();
      if (ownsDb) await db.destroy();
    },
  };
}
