/** Child processes of the benchmark: spawned with their own env, waited for, measured (RSS), stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';

export interface BenchChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last lines of its output, for an error message. */
  readonly tail: string[];
  readonly exited: Promise<number | null>;
}

const children: BenchChild[] = [];

/** `command args…` in the project root; output kept (last 40 lines), printed with `verbose`. */
export function spawnChild(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, verbose = false): BenchChild {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (verbose) process.stderr.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      tail.push(`failed to start: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code) => resolve(code));
  });
  const entry = { name, process: child, tail, exited };
  children.push(entry);
  return entry;
}

/** `node --import tsx <script>`: what `npm start` runs (`nodeArgs` before it, e.g. --cpu-prof). */
export function spawnTs(name: string, script: string, env: NodeJS.ProcessEnv, verbose = false, nodeArgs: readonly string[] = []): BenchChild {
  return spawnChild(name, process.execPath, [...nodeArgs, '--import', 'tsx', script], env, verbose);
}

/** Resolves once `url` answers (any status below 500 when `anyStatus`, else 200). */
export async function waitFor(child: BenchChild, url: string, timeoutMs = 120_000, init?: RequestInit, anyStatus = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it answered ${url}:\n  ${child.tail.slice(-15).join('\n  ')}`);
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
      if (response.status === 200 || (anyStatus && response.status < 500)) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n  ${child.tail.slice(-15).join('\n  ')}`);
}

/** Resident set size of a process in MiB (Linux /proc; undefined elsewhere). */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(path.join('/proc', String(pid), 'status'), 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM to every child this module started, SIGKILL after 5 s. */
export async function stopAll(): Promise<void> {
  const running = children.filter((child) => child.process.exitCode === null && child.process.signalCode === null);
  for (const child of running) child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const child of running) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }, 5000);
  await Promise.all(running.map((child) => child.exited));
  clearTimeout(timer);
}
