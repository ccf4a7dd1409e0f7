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

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux this runs on). */
const CLOCK_TICKS = 100;

/** Parent pid → child pids, for every process now running (Linux /proc). */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  return children;
}

/** `/proc/<pid>/stat`, or another file of the same format under `/proc/<pid>/` (a thread's `task/<tid>/stat`). */
function procStat(pid: number, file = 'stat'): { ppid: number; cpuTicks: number } | undefined {
  try {
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const stat = fs.readFileSync(path.join('/proc', String(pid), file), 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state, ppid, … utime (14th field of the line, index 11 here), stime.
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, ms) used so far by each of these processes with all its descendants
 * (a cluster's workers, a tsx loader's child), all threads included (Linux /proc; 0 elsewhere).
 */
export function cpuTimeMs(pids: readonly (number | undefined)[]): number {
  if (!fs.existsSync('/proc/self/stat')) return 0;
  const tree = processTree();
  let ticks = 0;
  const visit = (pid: number) => {
    ticks += procStat(pid)?.cpuTicks ?? 0;
    for (const child of tree.get(pid) ?? []) visit(child);
  };
  for (const pid of pids) if (pid !== undefined) visit(pid);
  return (ticks * 1000) / CLOCK_TICKS;
}

/**
 * CPU time (user + system, ms) used so far by the main threads (the thread whose id is the
 * process id) of these processes and their descendants: where a Node server parses, plans,
 * executes and answers — its request thread. The difference to `cpuTimeMs` is what its other
 * threads (the audit store's, the garbage collector's helpers, libuv's pool) ran beside it.
 */
export function mainThreadCpuTimeMs(pids: readonly (number | undefined)[]): number {
  if (!fs.existsSync('/proc/self/task')) return 0;
  const tree = processTree();
  let ticks = 0;
  const visit = (pid: number) => {
    ticks += procStat(pid, `task/${pid}/stat`)?.cpuTicks ?? 0;
    for (const child of tree.get(pid) ?? []) visit(child);
  };
  for (const pid of pids) if (pid !== undefined) visit(pid);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** CPU time (user + system, ms) used so far by each thread of one process, by thread id (Linux /proc; empty elsewhere). */
export function threadCpuTimesMs(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  if (!fs.existsSync(`/proc/${pid}/task`)) return threads;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = procStat(pid, `task/${tid}/stat`);
    if (stat) threads.set(Number(tid), (stat.cpuTicks * 1000) / CLOCK_TICKS);
  }
  return threads;
}

/** Busy and total CPU time of the whole machine so far, in ms (all cores; Linux /proc/stat). */
export function machineCpuMs(): { busy: number; total: number } {
  try {
    const [, ...values] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const ticks = values.map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    return { busy: ((total - idle) * 1000) / CLOCK_TICKS, total: (total * 1000) / CLOCK_TICKS };
  } catch {
    return { busy: 0, total: 0 };
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
