/**
 * The rules in force, kept current from the policy folder without a restart. A folder that
 * does not validate is refused as a whole: the last good PolicySet stays in force, the log says
 * file:line why, and listeners (the audit trail) get an event with the old and the attempted
 * version. A revocation saved to revocations.yaml is in force within about a second.
 */
import { watchDirectory, type DirectoryWatcher, type DirectoryWatchMode } from './directory-watcher';
import { compilePolicy } from './compile';
import { PolicyError } from './errors';
import { DEFAULT_POLICY_DIR, type PolicySources, readPolicyFiles } from './files';
import type { PolicySet } from './types';
import type { Logger } from '../logger';

export interface PolicyStoreOptions {
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

export type PolicyReloadTrigger = 'watch' | 'manual';

/** One reload that changed something or was refused; what the audit trail records. */
export type PolicyReloadEvent =
  | {
      readonly outcome: 'applied';
      readonly oldVersion: string;
      readonly newVersion: string;
      readonly at: Date;
      readonly trigger: PolicyReloadTrigger;
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
      readonly error: PolicyError;
      readonly at: Date;
      readonly trigger: PolicyReloadTrigger;
    };

export type PolicyReloadResult = { ok: true; version: string } | { ok: false; error: PolicyError };

export interface PolicyStoreStatus {
  readonly version: string;
  readonly loadedAt: Date;
  /** The newest files on disk were refused; `version` is still in force. */
  readonly lastRejected?: { readonly version: string; readonly at: Date; readonly error: PolicyError };
  readonly watching: 'fs' | 'poll' | 'off' | 'stopped';
}

export interface PolicyStore {
  /** The PolicySet in force (immutable; a reload swaps in a new object). */
  current(): PolicySet;
  /** Re-reads the folder now. Unchanged files: ok with the current version and no event. */
  reload(): PolicyReloadResult;
  /** Called after every applied or refused reload; returns an unsubscribe function. */
  onChange(listener: (event: PolicyReloadEvent) => void): () => void;
  status(): PolicyStoreStatus;
  stop(): void;
}

/** Loads the folder (throws PolicyError when it is invalid: refuse to start) and keeps it current. */
export function createPolicyStore(options: PolicyStoreOptions): PolicyStore {
  const dir = options.dir ?? DEFAULT_POLICY_DIR;
  const { logger } = options;
  const initial = readPolicyFiles(dir);
  let rules = compilePolicy(initial);
  let loadedAt = new Date();
  let lastRejected: PolicyStoreStatus['lastRejected'];
  let stopped = false;
  const listeners = new Set<(event: PolicyReloadEvent) => void>();
  logger.info({ dir: rules.dir, version: rules.version, files: rules.files.map((file) => `${file.file}@${file.version}`) }, 'access rules loaded');

  const emit = (event: PolicyReloadEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'access-rule reload listener failed');
      }
    }
  };

  // What the last evaluation saw of the folder (every input of compilePolicy, stray files
  // included): the same folder is not evaluated, logged and recorded twice, and anything else is.
  let appliedKey = folderKey(initial);
  let rejectedKey: string | undefined;

  const reloadFrom = (trigger: PolicyReloadTrigger): PolicyReloadResult => {
    const sources = readPolicyFiles(dir);
    const key = folderKey(sources);
    if (key === appliedKey && !lastRejected) return { ok: true, version: rules.version };
    if (lastRejected && key === rejectedKey) {
      // The same refused folder again (a touch, a second event): already logged and recorded.
      return { ok: false, error: lastRejected.error };
    }
    const oldVersion = rules.version;
    const at = new Date();
    try {
      if (key !== appliedKey) rules = compilePolicy(sources);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
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
function folderKey(sources: PolicySources): string {
  return JSON.stringify([sources.version, sources.strayFiles]);
}
