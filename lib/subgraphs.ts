/**
 * The five subgraphs: their names, the prefix of their environment variables, their default
 * ports, SDL files and HTTP paths. The one definition of these facts, shared by the subgraph
 * processes and their databases (subgraphs/shared/), the gateway's configuration, `npm run
 * compose` (URLs written into the supergraph), `npm start` (ports handed to each subgraph
 * process) and the tests, so none of them can disagree.
 *
 * Four wrap a legacy system (a legacy database the generator seeds: LEGACY_SUBGRAPH_NAMES); the
 * fifth, `audit`, reads the audit trail (lib/audit/store.ts, AUDIT_DB_*), which has no seed.
 */

export const LEGACY_SUBGRAPH_NAMES = ['residents', 'juki-cs', 'intermediate', 'card-progress'] as const;
export type LegacySubgraphName = (typeof LEGACY_SUBGRAPH_NAMES)[number];

export const SUBGRAPH_NAMES = [...LEGACY_SUBGRAPH_NAMES, 'audit'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export function isSubgraphName(name: string): name is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(name);
}

/** A subgraph over a legacy database (seeded by the generator); `audit` is not one. */
export function isLegacySubgraphName(name: string): name is LegacySubgraphName {
  return (LEGACY_SUBGRAPH_NAMES as readonly string[]).includes(name);
}

/**
 * `juki-cs` → `JUKI_CS`: the prefix of a subgraph's environment variables (<PREFIX>_URL,
 * <PREFIX>_PORT, and the <PREFIX>_DB_* variables of subgraphs/shared/database.ts).
 */
export function envPrefix(name: SubgraphName): string {
  return name.toUpperCase().replace(/-/g, '_');
}

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/healthz';
/** Readiness: 200 when what requests depend on answers, 503 (JSON naming what is degraded) otherwise. */
export const READY_PATH = '/readyz';

export interface SubgraphEndpoint {
  /** Subgraph name as written in the supergraph (join__graph name). */
  readonly name: SubgraphName;
  /** Environment variable holding the full GraphQL URL the gateway calls (RESIDENTS_URL, JUKI_CS_URL, …). */
  readonly urlEnv: string;
  /** Environment variable the subgraph process reads its listening port from (RESIDENTS_PORT, …). */
  readonly portEnv: string;
  readonly defaultPort: number;
  /** SDL file, relative to the project root. */
  readonly schemaFile: string;
}

const DEFAULT_PORTS: Readonly<Record<SubgraphName, number>> = {
  residents: 4001,
  'juki-cs': 4002,
  intermediate: 4003,
  'card-progress': 4004,
  audit: 4005,
};

/** One endpoint per subgraph, in SUBGRAPH_NAMES order. */
export const SUBGRAPH_ENDPOINTS: readonly SubgraphEndpoint[] = SUBGRAPH_NAMES.map((name) => ({
  name,
  urlEnv: `${envPrefix(name)}_URL`,
  portEnv: `${envPrefix(name)}_PORT`,
  defaultPort: DEFAULT_PORTS[name],
  schemaFile: `schema/${name}.graphql`,
}));

/** The endpoints of the four legacy subgraphs (those with a seeded legacy database). */
export const LEGACY_SUBGRAPH_ENDPOINTS: readonly SubgraphEndpoint[] = SUBGRAPH_ENDPOINTS.filter((endpoint) => isLegacySubgraphName(endpoint.name));

export function subgraphEndpoint(name: SubgraphName): SubgraphEndpoint {
  return SUBGRAPH_ENDPOINTS[SUBGRAPH_NAMES.indexOf(name)];
}

/** The port a subgraph process listens on: <PREFIX>_PORT, or its default. */
export function subgraphPort(name: SubgraphName, env: NodeJS.ProcessEnv = process.env): number {
  const endpoint = subgraphEndpoint(name);
  return Number(env[endpoint.portEnv] ?? endpoint.defaultPort);
}

export function localSubgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}${GRAPHQL_PATH}`;
}
