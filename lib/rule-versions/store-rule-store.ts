/**
 * The rules in force read from the version store instead of the policy folder (POLICY_STORE=
 * database): the PolicyStore the gateway and the subgraphs already use, kept current by polling the
 * store's RULE_IN_FORCE head (one indexed row) every `pollMs`. Every replica sharing the database
 * applies a version put in force within about `pollMs`; a version that does not compile (it was
 * validated before it was stored, so only a newer code's rules could) is refused like a bad folder.
 */
import type { Knex } from 'knex';
import type { Logger } from '../logger';
import { PolicyError } from '../policy/errors';
import type { PolicySet } from '../policy/types';
import type { PolicyReloadEvent, PolicyReloadResult, PolicyStore, PolicyStoreStatus } from '../policy/store';
import { compileFiles } from './files';
import { RuleVersionStore, type InForce } from './version-store';

export const DEFAULT_POLL_MS = 1000;

export interface VersionedRuleStore extends PolicyStore {
  readonly versions: RuleVersionStore;
  /** The RULE_IN_FORCE row the rules in force came from. */
  inForce(): InForce;
  /** Polls now (tests, and the process that just put a version in force). */
  refresh(): Promise<PolicyReloadResult>;
}

export interface OpenVersionedRuleStoreOptions {
  readonly db: Knex;
  readonly logger: Logger;
  /** Imported as version 1 when the store is empty (default policy/). */
  readonly seedDir?: string;
  readonly pollMs?: number;
  /** Destroy `db` on stop (the store opened it). */
  readonly ownsDb?: boolean;
}

export async function openVersionedRuleStore(options: OpenVersionedRuleStoreOptions): Promise<VersionedRuleStore> {
  const { logger } = options;
  const versions = new RuleVersionStore(options.db);
  await versions.prepare(options.seedDir);
  let head = (await versions.inForce())!;
  const first = await versions.version(head.versionId);
  if (!first) throw new Error(`the version in force ${head.versionId} is not in the store`);
  // Refuse to start on rules that do not compile, as the folder mode does.
  let rules: PolicySet = compileFiles(first.files);
  let loadedAt = new Date();
  let lastRejected: PolicyStoreStatus['lastRejected'];
  let stopped = false;
  const listeners = new Set<(event: PolicyReloadEvent) => void>();
  logger.info({ version: rules.version, sequence: head.sequence, origin: first.origin }, 'access rules loaded from the version store');

  const emit = (event: PolicyReloadEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'access-rule reload listener failed');
      }
    }
  };

  let polling: Promise<PolicyReloadResult> | undefined;
  const poll = async (): Promise<PolicyReloadResult> => {
    const latest = await versions.inForce();
    if (!latest || latest.sequence === head.sequence) return lastRejected ? { ok: false, error: lastRejected.error } : { ok: true, version: rules.version };
    const oldVersion = rules.version;
    const at = new Date();
    if (latest.versionId === rules.version) {
      head = latest;
      return { ok: true, version: rules.version };
    }
    const stored = await versions.version(latest.versionId);
    if (!stored) throw new Error(`the version in force ${latest.versionId} is not in the store`);
    try {
      rules = compileFiles(stored.files);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      head = latest;
      lastRejected = { version: stored.id, at, error };
      logger.error({ version: oldVersion, attemptedVersion: stored.id, reason: error.message }, 'stored access rules refused; the last good rules stay in force');
      emit({ outcome: 'rejected', oldVersion, attemptedVersion: stored.id, error, at, trigger: 'store' });
      return { ok: false, error };
    }
    head = latest;
    loadedAt = at;
    lastRejected = undefined;
    logger.info({ oldVersion, version: rules.version, sequence: latest.sequence, proposal: latest.proposalId }, 'access rules applied from the version store');
    emit({ outcome: 'applied', oldVersion, newVersion: rules.version, at, trigger: 'store' });
    return { ok: true, version: rules.version };
  };
  const refresh = (): Promise<PolicyReloadResult> => {
    polling ??= poll().finally(() => {
      polling = undefined;
    });
    return polling;
  };

  const timer = setInterval(() => {
    if (stopped) return;
    refresh().catch((error: unknown) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'polling the version store failed; the rules in force stay'));
  }, options.pollMs ?? DEFAULT_POLL_MS);
  timer.unref();

  return {
    versions,
    current: () => rules,
    inForce: () => head,
    refresh,
    // Synchronous in the PolicyStore contract: starts a poll and answers with the rules in force now.
    reload: () => {
      void refresh().catch(() => undefined);
      return lastRejected ? { ok: false, error: lastRejected.error } : { ok: true, version: rules.version };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    status: () => ({
      version: rules.version,
      loadedAt,
      ...(lastRejected ? { lastRejected } : {}),
      watching: stopped ? 'stopped' : 'poll',
      store: { mode: 'database', sequence: head.sequence, appliedAt: head.appliedAt, appliedBy: head.appliedBy, proposalId: head.proposalId },
    }),
    stop() {
      stopped = true;
      clearInterval(timer);
      listeners.clear();
      if (options.ownsDb) void options.db.destroy().catch(() => undefined);
    },
  };
}
