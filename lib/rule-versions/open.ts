/**
 * Where the rules in force come from (README "Rule versions"):
 *   POLICY_STORE=dir       the policy folder, watched (the default of the library and the tests;
 *                          `policy/` as it always was)
 *   POLICY_STORE=database  the version store in the audit database (AUDIT_DB_*: SQLite
 *                          data/audit.sqlite by default, PostgreSQL with AUDIT_DB_CLIENT=pg for
 *                          replicas); an empty store imports `policy/` as version 1. `npm start`
 *                          runs this mode unless POLICY_STORE is set.
 *   POLICY_STORE_POLL_MS   how often each process looks for a new version in force (default 1000)
 */
import knexFactory, { type Knex } from 'knex';
import { auditDatabaseConfig, auditDialectOf } from '../audit/config';
import { openSqliteWriter } from '../sqlite-writer';
import type { Logger } from '../logger';
import { createPolicyStore, type PolicyStore } from '../policy/store';
import { DEFAULT_POLL_MS, openVersionedRuleStore, type VersionedRuleStore } from './store-rule-store';
import { RuleVersionStore } from './version-store';

export type PolicyStoreMode = 'dir' | 'database';

export class PolicyStoreConfigError extends Error {
  readonly code = 'POLICY_STORE_CONFIG';
}

export function policyStoreMode(env: NodeJS.ProcessEnv = process.env): PolicyStoreMode {
  const value = env.POLICY_STORE ?? 'dir';
  if (value === 'dir' || value === 'database') return value;
  throw new PolicyStoreConfigError(`POLICY_STORE must be dir or database (got "${value}")`);
}

export function policyPollMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.POLICY_STORE_POLL_MS;
  if (raw === undefined) return DEFAULT_POLL_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100 || value > 60_000) throw new PolicyStoreConfigError('POLICY_STORE_POLL_MS must be an integer from 100 to 60000');
  return value;
}

/** A knex on the audit database for the version store (SQLite: a waiting writer connection; pg: a small pool). */
export function openRuleDatabase(env: NodeJS.ProcessEnv = process.env): Knex {
  const config = auditDatabaseConfig(env);
  if (auditDialectOf(config) === 'sqlite') return openSqliteWriter(config, 'FULL');
  // Three: a workflow step holds one for its cross-replica lock (workflow.ts acrossProcesses).
  return knexFactory({ ...config, pool: { min: 0, max: 3 } });
}

/** Opens the version store itself (tables made, `policy/` imported when empty): for the audit subgraph and scripts. */
export async function openRuleVersionStore(env: NodeJS.ProcessEnv = process.env, seedDir?: string): Promise<RuleVersionStore> {
  const db = openRuleDatabase(env);
  const store = new RuleVersionStore(db);
  try {
    await store.prepare(seedDir);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return store;
}

export interface OpenRuleStoreOptions {
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** The folder (dir mode) or the seed of an empty store (database mode); default policy/. */
  readonly dir?: string;
}

/** The PolicyStore of the configured mode. */
export async function openRuleStore(options: OpenRuleStoreOptions): Promise<PolicyStore | VersionedRuleStore> {
  const env = options.env ?? process.env;
  if (policyStoreMode(env) === 'dir') return createPolicyStore({ logger: options.logger, ...(options.dir !== undefined ? { dir: options.dir } : {}) });
  const db = openRuleDatabase(env);
  try {
    return await openVersionedRuleStore({ db, logger: options.logger, pollMs: policyPollMs(env), ownsDb: true, ...(options.dir !== undefined ? { seedDir: options.dir } : {}) });
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

export function isVersionedRuleStore(store: PolicyStore): store is VersionedRuleStore {
  return 'versions' in store && 'refresh' in store;
}
