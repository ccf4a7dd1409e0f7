import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { parse } from 'graphql';
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, type GatewayConfig } from '../../gateway/config';
import { localSubgraphUrl, subgraphEndpoint } from '../../lib/subgraphs';
import { composeSupergraph, writeSupergraphFile } from '../../scripts/compose';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The problems loadConfig reports for `env` (none: []). */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

/** Gateway configuration for a test: dev auth with its own key file, its own audit trail file, nothing from process.env. */
export function testConfig(overrides: Record<string, string>): GatewayConfig {
  const auditFile = path.join(tempDir('ward-audit'), 'audit.sqlite');
  return loadConfig({ GATEWAY_PORT: '0', LOG_LEVEL: 'silent', AUDIT_DB_FILE: auditFile, ...overrides });
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the throwaway subgraph saw of the gateway's request. */
export interface SeenHeaders {
  readonly authorization?: string;
  readonly purpose?: string;
  readonly requestId?: string;
}

/**
 * Subgraph SDL for HTTP-level tests. `version` exists in the subgraph from the start but only
 * the second supergraph exposes it, which makes a hot reload observable. Every field is
 * @authenticated: the gateway refuses unclassified fields (deny by default).
 */
export function throwawaySubgraphSdl(withVersion: boolean): string {
  return `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated"])
type Query {
  hello: String! @authenticated
  seenHeaders: SeenHeaders! @authenticated
  ${withVersion ? 'version: Int! @authenticated' : ''}
}
type SeenHeaders { authorization: String @authenticated purpose: String @authenticated requestId: String @authenticated }
`;
}

/**
 * Composes the throwaway subgraph SDL, as subgraph `residents` at its default URL (port 4001),
 * into a supergraph; `dir` receives the SDL file. Returns the supergraph SDL.
 */
export function composeThrowawaySupergraph(dir: string, withVersion = false): string {
  fs.writeFileSync(path.join(dir, 'residents.graphql'), throwawaySubgraphSdl(withVersion));
  const url = localSubgraphUrl(subgraphEndpoint('residents').defaultPort);
  const outcome = composeSupergraph({ rootDir: dir, subgraphs: [{ name: 'residents', file: 'residents.graphql', url }] });
  if (!outcome.ok) throw new Error(outcome.errors.map((error) => error.message).join('\n'));
  return outcome.supergraphSdl;
}

/** composeThrowawaySupergraph written to `dir`/supergraph.graphql; returns that path. */
export function writeThrowawaySupergraph(dir: string, withVersion = false): string {
  const file = path.join(dir, 'supergraph.graphql');
  writeSupergraphFile(file, composeThrowawaySupergraph(dir, withVersion));
  return file;
}

interface SubgraphContext {
  readonly headers: http.IncomingHttpHeaders;
}

export interface TestSubgraph {
  readonly url: string;
  stop(): Promise<void>;
}

/** A small real subgraph (@apollo/subgraph) answering at /graphql on a free port. */
export async function startThrowawaySubgraph(): Promise<TestSubgraph> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(throwawaySubgraphSdl(true)),
    resolvers: {
      Query: {
        hello: () => 'world',
        version: () => 2,
        seenHeaders: (_: unknown, __: unknown, context: unknown): SeenHeaders => {
          const { headers } = context as SubgraphContext;
          const header = (name: string): string | undefined => {
            const value = headers[name];
            return typeof value === 'string' ? value : undefined;
          };
          const seen: { authorization?: string; purpose?: string; requestId?: string } = {};
          const authorization = header('authorization');
          const purpose = header('x-purpose');
          const requestId = header('x-request-id');
          if (authorization !== undefined) seen.authorization = authorization;
          if (purpose !== undefined) seen.purpose = purpose;
          if (requestId !== undefined) seen.requestId = requestId;
          return seen;
        },
      },
    },
  });
  const server = new ApolloServer<SubgraphContext>({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await server.start();
  const app = express();
  app.use('/graphql', express.json(), expressMiddleware(server, { context: async ({ req }) => ({ headers: req.headers }) }));
  const httpServer = http.createServer(app);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stop: async () => {
      await server.stop();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
