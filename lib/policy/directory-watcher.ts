import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';

export type DirectoryWatchMode = 'auto' | 'poll';

export interface DirectoryWatcherOptions {
  readonly dir: string;
  /** Called (debounced) after something in the folder may have changed. Must not throw. */
  readonly onChange: () => void;
  readonly logger: Logger;
  /** `auto`: fs.watch on the folder plus a stat poll as a backstop; `poll`: the stat poll only. */
  readonly mode?: DirectoryWatchMode;
  readonly debounceMs?: number;
  readonly pollIntervalMs?: number;
  /** Names the folder in log lines ("policy folder"). */
  readonly what?: string;
}

export interface DirectoryWatcher {
  /** `fs` when fs.watch is active (the poll still runs as a backstop), `poll` when only polling. */
  mode(): 'fs' | 'poll' | 'stopped';
  stop(): void;
}

/**
 * Watches a folder of small files, the way gateway/supergraph-source.ts watches the supergraph:
 * fs.watch on the directory (editors and deploys replace files by rename, and Kubernetes
 * ConfigMap volumes swap a `..data` symlink, both of which end a watch on the file itself),
 * debounced so a burst of events gives one callback, and a stat poll that takes over when the
 * platform cannot watch. Unlike the supergraph source the poll also runs beside fs.watch:
 * on network filesystems fs.watch starts fine and then never fires, and a revocation must
 * still take effect within seconds. The callback may fire when nothing changed; the caller
 * compares contents.
 */
export function watchDirectory(options: DirectoryWatcherOptions): DirectoryWatcher {
  const debounceMs = options.debounceMs ?? 150;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const what = options.what ?? 'folder';
  let watcher: fs.FSWatcher | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let debounceTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Baseline taken before the watch starts, so no change slips between the caller's read and here.
  let lastStat = statKey(options.dir);

  const schedule = () => {
    if (stopped) return;
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => {
      if (stopped) return;
      lastStat = statKey(options.dir);
      options.onChange();
    }, debounceMs);
    debounceTimer.unref();
  };

  const poll = () => {
    const key = statKey(options.dir);
    if (key === lastStat) return;
    lastStat = key;
    schedule();
  };

  if (options.mode !== 'poll') {
    try {
      // Every event counts, whatever its file name: a swapped `..data` symlink changes all files.
      watcher = fs.watch(options.dir, { persistent: false }, () => schedule());
      watcher.on('error', (error) => {
        options.logger.warn({ dir: options.dir, err: describe(error) }, `${what} watch failed; polling instead`);
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      options.logger.warn({ dir: options.dir, err: describe(error) }, `cannot watch the ${what}; polling instead`);
      watcher = undefined;
    }
  }
  pollTimer = setInterval(poll, pollIntervalMs);
  pollTimer.unref();
  // The folder may have changed between the caller's first read and the watch starting.
  schedule();

  return {
    mode: () => (stopped ? 'stopped' : watcher ? 'fs' : 'poll'),
    stop: () => {
      stopped = true;
      clearTimeout(debounceTimer);
      clearInterval(pollTimer);
      pollTimer = undefined;
      watcher?.close();
      watcher = undefined;
    },
  };
}

/** A policy folder holds a handful of files; beyond this many the poll compares the names only. */
const MAX_STATTED_ENTRIES = 256;

/**
 * Name, inode, size and mtime of every entry in the folder (following symlinks): a file created,
 * changed or deleted changes the key, whatever its name. Only the caller's own files mattered
 * before, so deleting a stray file that had refused a reload went unnoticed by the poll.
 */
function statKey(dir: string): string {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (error) {
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
  return names
    .map((name, index) => {
      if (index >= MAX_STATTED_ENTRIES) return name;
      try {
        const stat = fs.statSync(path.join(dir, name));
        return `${name}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      } catch {
        return `${name}:-`;
      }
    })
    .join('|');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
