import type { LevelWithSilent } from 'pino';
import { EnvCheck, type Env } from '../../lib/env-config';
import { auditDatabaseConfig } from '../../lib/audit/config';
import { subgraphEndpoint, type SubgraphName } from '../../lib/subgraphs';
import { databaseConfig } from './database';
import { loadIdentityWindow, loadVerifyKeyConfig } from './identity';
import { minimumCellSize, statisticsCacheSeconds, todayInJapan } from './statistics';
import { loadSubgraphTls } from './tls';

/** What a subgraph process needs to listen; everything else it reads is checked too, so a bad setting stops it at start. */
export interface SubgraphProcessConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: LevelWithSilent;
}

/**
 * Checks every setting one subgraph process reads — its port and host, LOG_LEVEL, its database
 * (<PREFIX>_DB_*, or AUDIT_DB_* for `audit`), TLS files, the gateway's verify key and identity
 * window, the statistics settings, and `extra` for what only this subgraph reads (the residents'
 * cursor key) — into `check`, whose problems the caller reports as one message.
 */
export function checkSubgraphEnvironment(name: SubgraphName, env: Env, check: EnvCheck = new EnvCheck(env), extra?: (env: NodeJS.ProcessEnv) => unknown): SubgraphProcessConfig {
  const processEnv = env as NodeJS.ProcessEnv;
  const endpoint = subgraphEndpoint(name);
  const port = check.port(endpoint.portEnv, endpoint.defaultPort, true);
  const host = check.read('HOST') ?? '127.0.0.1';
  const logLevel = check.logLevel();
  check.attempt(() => (name === 'audit' ? auditDatabaseConfig(processEnv) : databaseConfig(name, processEnv)));
  check.attempt(() => loadSubgraphTls(name, processEnv));
  check.attempt(() => loadVerifyKeyConfig(processEnv));
  check.attempt(() => loadIdentityWindow(processEnv));
  check.attempt(() => minimumCellSize(processEnv));
  check.attempt(() => statisticsCacheSeconds(processEnv));
  check.attempt(() => todayInJapan(new Date(), processEnv));
  if (extra) check.attempt(() => extra(processEnv));
  return { port, host, logLevel };
}

/** The process's configuration, or ProcessConfigError naming every problem. */
export function loadSubgraphProcessConfig(name: SubgraphName, env: Env, extra?: (env: NodeJS.ProcessEnv) => unknown): SubgraphProcessConfig {
  const check = new EnvCheck(env);
  const config = checkSubgraphEnvironment(name, env, check, extra);
  check.done(`subgraph ${name}`);
  return config;
}
