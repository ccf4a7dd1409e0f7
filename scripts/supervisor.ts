/**
 * The processes a start script runs (`npm start`, `npm run start:production-like`): each child is
 * `node --import tsx <script>`, its output prefixed with its name, in its own process group, and
 * holding an IPC channel that the OS closes when this process dies, however it dies (the child
 * watches it: lib/parent-watch.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { PROJECT_ROOT } from '../lib/project-root';

const STOP_GRACE_MS = 5000;
const COLOURS = [36, 33, 35, 32, 34, 31];

export const useColour = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
}

export type UnexpectedExit = (name: string, code: number | null, signal: NodeJS.Signals | null) => void;

export class Supervisor {
  private readonly children: Child[] = [];
  private readonly colours = new Map<string, number>();
  private stopping = false;

  constructor(private readonly onUnexpectedExit: UnexpectedExit) {}

  /** Runs `node --import tsx <script>` with its output prefixed by `name`; it stops when this process is gone. */
  spawnTs(name: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv, supervised = true): Child {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: PROJECT_ROOT,
      env,
      // The IPC channel carries no messages: its closing tells the child this process is gone
      // (every script started here calls stopWhenParentIsGone, lib/parent-watch.ts).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: Ctrl-C reaches this supervisor only, which then stops the children
      // in order, instead of every process racing its own SIGINT.
      detached: true,
    });
    // A restarted child keeps its colour.
    if (!this.colours.has(name)) this.colours.set(name, COLOURS[this.colours.size % COLOURS.length] as number);
    const prefix = useColour ? `\x1b[${this.colours.get(name)}m[${name}]\x1b[0m ` : `[${name}] `;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
    }
    const exited = new Promise<number | null>((resolve) => {
      child.on('error', (error) => {
        process.stdout.write(`${prefix}failed to start: ${error.message}\n`);
        resolve(1);
      });
      child.on('exit', (code, signal) => {
        resolve(code);
        if (supervised && !this.stopping) this.onUnexpectedExit(name, code, signal);
      });
    });
    const entry = { name, process: child, exited };
    if (supervised) this.children.push(entry);
    return entry;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** SIGTERM to all, SIGKILL to whoever is still there after the grace period. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const running = this.children.filter((child) => child.process.exitCode === null && child.process.signalCode === null);
    for (const child of running) child.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of running) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(running.map((child) => child.exited));
    clearTimeout(timer);
  }
}

/** Resolves when `url` answers 200; rejects when the child exits first or `timeoutMs` passes. */
export async function waitForHealth(name: string, url: string, child: Child, timeoutMs: number, dispatcher?: Dispatcher): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited before it answered ${url}`);
    try {
      const response = await undiciFetch(url, { signal: AbortSignal.timeout(2000), ...(dispatcher ? { dispatcher } : {}) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms`);
}
