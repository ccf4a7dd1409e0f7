/**
 * The four subgraphs, their default ports and the environment variables that move them.
 * Shared by the gateway config, `npm run compose` (URLs written into the supergraph) and
 * `npm start` (ports handed to each subgraph process), so the three never disagree.
 */
export interface SubgraphEndpoint {
  /** Subgraph name as written in the supergraph (join__graph name). */
  readonly name: SubgraphName;
  /** Environment variable holding the full GraphQL URL the gateway calls. */
  readonly urlEnv: string;
  /** Environment variable the subgraph process reads its listening port from. */
  readonly portEnv: string;
  readonly defaultPort: number;
  /** SDL file, relative to the project root. */
  readonly schemaFile: string;
}

export const SUBGRAPH_NAMES = ['residents', 'juki-cs', 'intermediate', 'card-progress'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const SUBGRAPH_ENDPOINTS: readonly SubgraphEndpoint[] = [
  { name: 'residents', urlEnv: 'RESIDENTS_URL', portEnv: 'RESIDENTS_PORT', defaultPort: 4001, schemaFile: 'schema/residents.graphql' },
  { name: 'juki-cs', urlEnv: 'JUKI_CS_URL', portEnv: 'JUKI_CS_PORT', defaultPort: 4002, schemaFile: 'schema/juki-cs.graphql' },
  { name: 'intermediate', urlEnv: 'INTERMEDIATE_URL', portEnv: 'INTERMEDIATE_PORT', defaultPort: 4003, schemaFile: 'schema/intermediate.graphql' },
  { name: 'card-progress', urlEnv: 'CARD_PROGRESS_URL', portEnv: 'CARD_PROGRESS_PORT', defaultPort: 4004, schemaFile: 'schema/card-progress.graphql' },
];

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/healthz';

export function localSubgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}${GRAPHQL_PATH}`;
}

export function isSubgraphName(name: string): name is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(name);
}
