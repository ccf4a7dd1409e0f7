import { openAuditStore, type AuditStore } from '../../lib/audit/store';
import type { SubgraphModule } from '../shared/server';
import { createAuditContext, type AuditContext, type AuditStoreSource } from './context';
import { openRuleVersionStore, policyStoreMode, type PolicyStoreMode } from '../../lib/rule-versions/open';
import type { RuleVersionStore } from '../../lib/rule-versions/version-store';
import { auditResolvers } from './resolvers';

export interface AuditSubgraphOptions {
  /** The store to read; default: opened from the environment (AUDIT_DB_*) on the first request. */
  store?: AuditStore;
  /** The anomaly report's calendar; default policy/audit-calendar.yaml. */
  calendarFile?: string;
  /** The rules bulk-output approvals are checked against; default policy/. */
  policyDir?: string;
  /**
   * Rule versions (issue 12): the version store to use (database mode), or the mode; default from
   * the environment (POLICY_STORE, AUDIT_DB_*: lib/rule-versions/open.ts), opened on first use.
   */
  ruleVersions?: RuleVersionStore;
  policyStoreMode?: PolicyStoreMode;
  /** The supergraph the readable views classify fields by and registered documents are analysed against; default SUPERGRAPH_PATH or schema/supergraph.graphql. */
  supergraphFile?: string;
}

/**
 * 監査証跡: the audit trail as a governance subgraph (records by user, department, person,
 * field, period and decision; a person's view; the anomaly report; the chain's head), for
 * security officers only (policy audit_trail). It has no legacy system and no seed: it reads the
 * store the gateway writes (lib/audit/store.ts).
 */
export function createAuditSubgraph(options: AuditSubgraphOptions = {}): SubgraphModule<AuditContext> {
  let opening: Promise<AuditStore> | undefined;
  let openingVersions: Promise<RuleVersionStore> | undefined;
  const mode = options.ruleVersions ? 'database' : (options.policyStoreMode ?? policyStoreMode());
  const source: AuditStoreSource = {
    store() {
      if (options.store) return Promise.resolve(options.store);
      // An unreachable store fails this request; the next one tries again.
      opening ??= openAuditStore().catch((error: unknown) => {
        opening = undefined;
        throw error;
      });
      return opening;
    },
    ...(options.calendarFile !== undefined ? { calendarFile: options.calendarFile } : {}),
    ...(options.policyDir !== undefined ? { policyDir: options.policyDir } : {}),
    ruleVersions: {
      mode,
      versions() {
        if (options.ruleVersions) return Promise.resolve(options.ruleVersions);
        openingVersions ??= openRuleVersionStore(process.env, options.policyDir).catch((error: unknown) => {
          openingVersions = undefined;
          throw error;
        });
        return openingVersions;
      },
      ...(options.policyDir !== undefined ? { policyDir: options.policyDir } : {}),
      ...(options.supergraphFile !== undefined ? { supergraphFile: options.supergraphFile } : {}),
    },
    ...(options.supergraphFile !== undefined ? { supergraphFile: options.supergraphFile } : {}),
  };
  return {
    name: 'audit',
    resolvers: auditResolvers as SubgraphModule<AuditContext>['resolvers'],
    createContext: (db, auth) => createAuditContext(source, db, auth),
  };
}

/** The subgraph over the store the environment names (main.ts, npm start). */
export const auditSubgraph: SubgraphModule<AuditContext> = createAuditSubgraph();
