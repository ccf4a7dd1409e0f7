import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SupergraphManager } from '@apollo/gateway';
import { parse } from 'graphql';
import type { Logger } from 'pino';
import type { FieldClassification } from '../lib/authorization/types';
import type { SupergraphWatchMode } from './config';

/** What ApolloGateway hands a supergraph manager (not exported by the package under this name). */
export type SupergraphSdlHookOptions = Parameters<SupergraphManager['initialize']>[0];

export interface SupergraphSourceOptions {
  /** The composed supergraph (`npm run compose` writes it). */
  readonly path: string;
  readonly logger: Logger;
  /** `auto`: fs.watch, falling back to polling when the platform cannot watch; `poll`: always poll. */
  readonly watch?: SupergraphWatchMode;
  /** Editors and `compose` may touch the file several times in a row; react once. */
  readonly debounceMs?: number;
  readonly pollIntervalMs?: number;
  /**
   * Turns the file's SDL into what the query planner receives (the gateway passes
   * prepareSupergraphForGateway: it strips the security features the gateway enforces itself and
   * returns the field classifications it read). Throwing rejects the file.
   */
  readonly prepare?: (sdl: string) => string | PreparedSupergraphSdl;
}

/** What `prepare` may return: the planner's SDL and the classifications of the supergraph. */
export interface PreparedSupergraphSdl {
  readonly plannerSdl: string;
  readonly classifications: ReadonlyMap<string, FieldClassification>;
}

const NO_CLASSIFICATIONS: ReadonlyMap<string, FieldClassification> = new Map();

export interface SupergraphStatus {
  /** sha256 of the file content currently in force. */
  readonly sha256?: string;
  readonly loadedAt?: Date;
  /** The newest file on disk was refused; the previous supergraph is still served. */
  readonly lastRejected?: { readonly sha256: string; readonly at: Date; readonly reason: string };
  readonly watching: 'fs' | 'poll' | 'stopped';
}

/**
 * Serves the supergraph file to ApolloGateway (its `supergraphSdl` option) and keeps it current:
 * a changed file is re-read and handed to the gateway, and a file that cannot be used is logged
 * and ignored, so the last good supergraph stays in force instead of taking the gateway down.
 */
export class FileSupergraphSource implements SupergraphManager {
  private readonly debounceMs: number;
  private readonly pollIntervalMs: number;
  private currentText: string | undefined;
  private rejectedText: string | undefined;
  private state: SupergraphStatus = { watching: 'stopped' };
  private watcher: fs.FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Stat of the file as last seen by the poller; taken before the first read so no change slips between. */
  private lastStat: string | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private stopped = false;
  private update: SupergraphSdlHookOptions['update'] | undefined;
  private currentClassifications: ReadonlyMap<string, FieldClassification> = NO_CLASSIFICATIONS;

  constructor(private readonly options: SupergraphSourceOptions) {
    this.debounceMs = options.debounceMs ?? 150;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  /** The `SupergraphSdlHook` ApolloGateway calls once at load. */
  readonly initialize = async ({ update }: SupergraphSdlHookOptions): Promise<{ supergraphSdl: string; cleanup: () => Promise<void> }> => {
    let text: string;
    let prepared: PreparedSupergraphSdl;
    try {
      this.lastStat = await statKey(this.options.path);
      text = await fs.promises.readFile(this.options.path, 'utf8');
      prepared = this.prepared(text);
    } catch (error) {
      throw new Error(
        `Cannot load the supergraph from ${this.options.path}: ${describe(error)}. Run \`npm run compose\` to generate it.`,
      );
    }
    this.update = update;
    this.currentText = text;
    this.currentClassifications = prepared.classifications;
    this.state = { sha256: sha256(text), loadedAt: new Date(), watching: 'stopped' };
    this.startWatching();
    return { supergraphSdl: prepared.plannerSdl, cleanup: () => this.stop() };
  };

  status(): SupergraphStatus {
    return this.state;
  }

  /** The text of the supergraph file in force (its header names each subgraph's schema: lib/subgraph-sdl.ts). */
  text(): string | undefined {
    return this.currentText;
  }

  /**
   * `Type.field` → classification of the supergraph in force (empty before the first load, or
   * when `prepare` returns a bare string). It switches together with the gateway's schema:
   * already set when ApolloGateway's onSchemaLoadOrUpdate listeners run, and restored when the
   * gateway refuses a new supergraph.
   */
  classifications(): ReadonlyMap<string, FieldClassification> {
    return this.currentClassifications;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounceTimer);
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.state = { ...this.state, watching: 'stopped' };
    await this.reloading;
  }

  private prepared(text: string): PreparedSupergraphSdl {
    if (text.trim() === '') throw new Error('the file is empty');
    // Cheap syntax check first: a half-written or garbled file never reaches the planner.
    parse(text, { noLocation: true });
    const prepared = this.options.prepare ? this.options.prepare(text) : text;
    return typeof prepared === 'string' ? { plannerSdl: prepared, classifications: NO_CLASSIFICATIONS } : prepared;
  }

  private startWatching(): void {
    if (this.options.watch !== 'poll') {
      try {
        // Watch the directory, not the file: compose replaces the file by rename, which would
        // silently end a watch on the old inode.
        const directory = path.dirname(this.options.path);
        const base = path.basename(this.options.path);
        this.watcher = fs.watch(directory, { persistent: false }, (_event, filename) => {
          if (filename === null || filename.toString() === base) this.schedule();
        });
        this.watcher.on('error', (error) => {
          this.options.logger.warn({ err: describe(error) }, 'supergraph file watch failed; falling back to polling');
          this.watcher?.close();
          this.watcher = undefined;
          this.startPolling();
        });
        this.state = { ...this.state, watching: 'fs' };
        // The file may have changed between the initial read and the watch starting.
        this.schedule();
        return;
      } catch (error) {
        this.options.logger.warn({ err: describe(error) }, 'cannot watch the supergraph file; polling instead');
      }
    }
    this.startPolling();
  }

  /**
   * Our own stat loop rather than fs.watchFile: watchFile takes its baseline asynchronously
   * and misses a change made before that, whereas the baseline here predates the first read.
   */
  private startPolling(): void {
    if (this.stopped || this.pollTimer) return;
    this.pollTimer = setInterval(() => void this.poll(), this.pollIntervalMs);
    this.pollTimer.unref();
    this.state = { ...this.state, watching: 'poll' };
  }

  private async poll(): Promise<void> {
    const key = await statKey(this.options.path);
    if (key === undefined || key === this.lastStat) return;
    this.lastStat = key;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(), this.debounceMs);
  }

  /** Re-reads the file and applies it; overlapping triggers collapse into one more pass. */
  async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.reloadOnce().finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain && !this.stopped) {
        this.reloadAgain = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    if (this.stopped || !this.update) return;
    const { logger } = this.options;
    let text: string;
    try {
      text = await fs.promises.readFile(this.options.path, 'utf8');
    } catch (error) {
      // Typically the instant between unlink and rename; the next event brings the new file.
      logger.warn({ path: this.options.path, err: describe(error) }, 'supergraph file unreadable; keeping the current supergraph');
      return;
    }
    if (text === this.currentText || text === this.rejectedText) return;

    const hash = sha256(text);
    const previousClassifications = this.currentClassifications;
    try {
      const prepared = this.prepared(text);
      if (this.stopped) return;
      // The gateway validates and builds the new schema synchronously and throws when it
      // cannot; in that case it keeps serving the previous one. The classifications switch
      // first, so that the gateway's schema-change listeners already see the new ones.
      this.currentClassifications = prepared.classifications;
      this.update(prepared.plannerSdl);
    } catch (error) {
      this.currentClassifications = previousClassifications;
      this.rejectedText = text;
      const reason = describe(error);
      this.state = { ...this.state, lastRejected: { sha256: hash, at: new Date(), reason } };
      logger.error({ path: this.options.path, sha256: hash, reason }, 'new supergraph rejected; the last good supergraph stays in force');
      return;
    }
    this.currentText = text;
    this.rejectedText = undefined;
    this.state = { sha256: hash, loadedAt: new Date(), watching: this.state.watching };
    logger.info({ path: this.options.path, sha256: hash }, 'supergraph reloaded');
  }
}

export function createSupergraphSource(options: SupergraphSourceOptions): FileSupergraphSource {
  return new FileSupergraphSource(options);
}

async function statKey(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.promises.stat(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
