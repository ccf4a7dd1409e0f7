/**
 * The rules in force, kept current from the policy folder without a restart. A folder that
 * does not validate is refused as a whole: the last good RuleSet stays in force, the log says
 * file:line why, and listeners (the audit trail) get an event with the old and the attempted
 * version. A revocation saved to revocations.yaml is in force within about a second.
 */
import { watchDirectory, type DirectoryWatcher, type DirectoryWatchMode } from './directory-watcher';
import { compileRuleSet, DEFAULT_POLICY_DIR, readRuleFiles, RuleFileError, type RuleFileSources, type RuleSet } from './rules';
import type { Logger } from '../logger';

export interface RuleStoreOptions {
  /** The policy folder; default `policy/` at the repository root. */
  readonly dir?: string;
  readonly logger: Logger;
  /** Reload when the folder changes (default true). `'poll'` polls without fs.watch. */
  readonly watch?: boolean | 'poll';
  /** Saving several files in a row gives one reload (default 150 ms). */
  readonly debounceMs?: number;
  /** Stat poll interval, a backstop beside fs.watch and the fallback without it (default 1000 ms). */
  readonly pollIntervalMs?: number;
}

/** `store`: a version put in force in the version store (POLICY_STORE=database, lib/rule-versions/). */
export type RuleReloadTrigger = 'watch' | 'manual' | 'store';

/** One reload that changed something or was refused; what the audit trail records. */
export type RuleReloadEvent =
  | {
      readonly outcome: 'applied';
      readonly oldVersion: string;
      readonly newVersion: string;
      readonly at: Date;
      readonly trigger: RuleReloadTrigger;
      /**
       * Set when this reload ends a refusal: the folder was refused before and now validates
       * (possibly back to the version already in force, which would otherwise go unnoticed).
       */
      readonly recoveredFrom?: { readonly attemptedVersion: string; readonly refusedAt: Date };
    }
  | {
      readonly outcome: 'rejected';
      readonly oldVersion: string;
      /** Hash of the refused files (what `version` would have been). */
      readonly attemptedVersion: string;
      readonly error: RuleFileError;
      readonly at: Date;
      readonly trigger: RuleReloadTrigger;
    };

export type RuleReloadResult = { ok: true; version: string } | { ok: false; error: RuleFileError };

export interface RuleStoreStatus {
  readonly version: string;
  readonly loadedAt: Date;
  /** The newest files on disk were refused; `version` is still in force. */
  readonly lastRejected?: { readonly version: string; readonly at: Date; readonly error: RuleFileError };
  readonly watching: 'fs' | 'poll' | 'off' | 'stopped';
  /** Set when the rules come from the version store (lib/rule-versions/): the RULE_IN_FORCE row in force. */
  readonly store?: { readonly mode: 'database'; readonly sequence: number; readonly appliedAt: string; readonly appliedBy: string; readonly proposalId: string | null };
}

export interface RuleStore {
  /** The RuleSet in force (immutable; a reload swaps in a new object). */
  current(): RuleSet;
  /** Re-reads the folder now. Unchanged files: ok with the current version and no event. */
  reload(): RuleReloadResult;
  /** Called after every applied or refused reload; returns an unsubscribe function. */
  onChange(listener: (event: RuleReloadEvent) => void): () => void;
  status(): RuleStoreStatus;
  stop(): void;
}

/** Loads the folder (throws RuleFileError when it is invalid: refuse to start) and keeps it current. */
export function createRuleStore(options: RuleStoreOptions): RuleStore {
  const dir = options.dir ?? DEFAULT_POLICY_DIR;
  const { logger } = options;
  const initial = readRuleFiles(dir);
  let rules = compileRuleSet(initial);
  let loadedAt = new Date();
  let lastRejected: RuleStoreStatus['lastRejected'];
  let stopped = false;
  const listeners = new Set<(event: RuleReloadEvent) => void>();
  logger.info({ dir: rules.dir, version: rules.version, files: rules.files.map((file) => `${file.file}@${file.version}`) }, 'access rules loaded');

  const emit = (event: RuleReloadEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'access-rule reload listener failed');
      }
    }
  };

  // What the last evaluation saw of the folder (every input of compileRuleSet, stray files
  // included): the same folder is not evaluated, logged and recorded twice, and anything else is.
  let appliedKey = folderKey(initial);
  let rejectedKey: string | undefined;

  const reloadFrom = (trigger: RuleReloadTrigger): RuleReloadResult => {
    const sources = readRuleFiles(dir);
    const key = folderKey(sources);
    if (key === appliedKey && !lastRejected) return { ok: true, version: rules.version };
    if (lastRejected && key === rejectedKey) {
      // The same refused folder again (a touch, a second event): already logged and recorded.
      return { ok: false, error: lastRejected.error };
    }
    const oldVersion = rules.version;
    const at = new Date();
    try {
      if (key !== appliedKey) rules = compileRuleSet(sources);
    } catch (error) {
      if (!(error instanceof RuleFileError)) throw error;
      lastRejected = { version: sources.version, at, error };
      rejectedKey = key;
      logger.error(
        { dir: sources.dir, version: oldVersion, attemptedVersion: sources.version, issues: error.issues.length, reason: error.message },
        'new access rules refused; the last good rules stay in force',
      );
      emit({ outcome: 'rejected', oldVersion, attemptedVersion: sources.version, error, at, trigger });
      return { ok: false, error };
    }
    const recoveredFrom = lastRejected ? { attemptedVersion: lastRejected.version, refusedAt: lastRejected.at } : undefined;
    loadedAt = at;
    lastRejected = undefined;
    rejectedKey = undefined;
    appliedKey = key;
    logger.info(
      {
        dir: rules.dir,
        oldVersion,
        version: rules.version,
        files: rules.files.map((file) => `${file.file}@${file.version}`),
        revocations: rules.revocations.size,
        ...(recoveredFrom ? { recoveredFrom: recoveredFrom.attemptedVersion, refusedAt: recoveredFrom.refusedAt.toISOString() } : {}),
      },
      recoveredFrom ? 'access rules reloaded after a refused reload; the folder validates again' : 'access rules reloaded',
    );
    emit({ outcome: 'applied', oldVersion, newVersion: rules.version, at, trigger, ...(recoveredFrom ? { recoveredFrom } : {}) });
    return { ok: true, version: rules.version };
  };

  let watcher: DirectoryWatcher | undefined;
  if (options.watch !== false) {
    const mode: DirectoryWatchMode = options.watch === 'poll' ? 'poll' : 'auto';
    watcher = watchDirectory({
      dir: rules.dir,
      mode,
      logger,
      what: 'policy folder',
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      onChange: () => {
        if (stopped) return;
        try {
          reloadFrom('watch');
        } catch (error) {
          logger.error({ err: error instanceof Error ? error.message : String(error) }, 'access-rule reload failed; the last good rules stay in force');
        }
      },
    });
  }

  return {
    current: () => rules,
    reload: () => reloadFrom('manual'),
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
      watching: stopped ? 'stopped' : watcher ? (watcher.mode() as 'fs' | 'poll') : 'off',
    }),
    stop() {
      stopped = true;
      watcher?.stop();
      listeners.clear();
    },
  };
}

/**
 * Everything a reload's outcome depends on: the rule files' bytes (their version) and the names
 * of stray files in the folder, which refuse it. Keyed on the version alone, a refusal caused by
 * a stray file outlived the stray file (issue 10: a revocation that never applied).
 */
function folderKey(sources: RuleFileSources): string {
  return JSON.stringify([sources.version, sources.strayFiles]);
}
