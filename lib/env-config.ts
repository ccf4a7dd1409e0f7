/**
 * The one small validator every process uses for its environment (the gateway's own
 * gateway/config.ts reads through the same helpers): each setting is checked, every problem is
 * collected, and a process with any problem stops before it opens anything, with ONE message
 * naming every bad setting and exit code 2 (CONFIG_EXIT_CODE) — never a stack trace, never a
 * crash deep inside a library (pino refusing `LOG_LEVEL=loud`, Node refusing `PORT=abc`).
 * Messages quote the bad value only for settings that are not secrets (ports, levels, names).
 */
import type { LevelWithSilent } from 'pino';

export type Env = Readonly<Record<string, string | undefined>>;

/** The exit code of a process refused by its configuration (1 stays "failed while running"). */
export const CONFIG_EXIT_CODE = 2;

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Raised with every problem of one process's configuration. */
export class ProcessConfigError extends Error {
  constructor(
    /** `gateway`, `subgraph residents`, `npm start` … */
    readonly processName: string,
    readonly problems: readonly string[],
  ) {
    super(configMessage(processName, problems));
    this.name = 'ProcessConfigError';
  }
}

export function configMessage(processName: string, problems: readonly string[]): string {
  return `Invalid ${processName} configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
}

/** Reads settings from one environment and collects what is wrong with them. */
export class EnvCheck {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value; undefined when unset or blank. */
  read(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** A TCP port; `allowZero` for "any free port" (tests), never under `npm start`. */
  port(name: string, fallback: number, allowZero = false): number {
    const value = this.read(name);
    if (value === undefined) return fallback;
    const port = Number(value);
    const min = allowZero ? 0 : 1;
    if (!/^\d+$/.test(value) || port < min || port > 65535) {
      this.problems.push(`${name} must be a port number (${min}-65535), got '${value}'`);
      return fallback;
    }
    return port;
  }

  logLevel(name = 'LOG_LEVEL', fallback: LevelWithSilent = 'info'): LevelWithSilent {
    const value = this.read(name);
    if (value === undefined) return fallback;
    if (!(LOG_LEVELS as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
      return fallback;
    }
    return value as LevelWithSilent;
  }

  /** A whole number within bounds. */
  wholeNumber(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.read(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got '${value}'`);
      return fallback;
    }
    return number;
  }

  /**
   * Runs a loader that throws on a bad setting (a database, key or TLS configuration read by its
   * own module) and keeps its message as one problem: the message only, never the stack.
   */
  attempt<T>(load: () => T): T | undefined {
    try {
      return load();
    } catch (error) {
      this.problems.push(problemOf(error));
      return undefined;
    }
  }

  /** Throws ProcessConfigError when anything was wrong. */
  done(processName: string): void {
    if (this.problems.length > 0) throw new ProcessConfigError(processName, [...new Set(this.problems)]);
  }
}

/** An error's message as one configuration problem, without the "Invalid … configuration:" prefix a loader may have put on it. */
export function problemOf(error: unknown): string {
  if (error instanceof ProcessConfigError) return error.problems.join('; ');
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Invalid [\w -]*configuration:\s*/, '').replace(/\n\s*-\s*/g, '; ').trim();
}

/**
 * For a process's main: a configuration error is printed as its one message and the process
 * exits with CONFIG_EXIT_CODE; anything else is rethrown.
 */
export function exitOnConfigError(error: unknown): void {
  if (!(error instanceof ProcessConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(CONFIG_EXIT_CODE);
}
