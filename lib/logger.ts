import pino, { type Logger, type LevelWithSilent } from 'pino';
import { LOG_LEVELS } from './env-config';

export type { Logger } from 'pino';

/**
 * Operational log. It must never carry a token or an operation's variables (they hold person
 * data): the call sites do not pass them, and the redaction below is the second line in case a
 * future call site does.
 */
export function createLogger(name: string, level: LevelWithSilent = environmentLevel()): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['authorization', 'token', 'variables', 'headers.authorization', 'req.headers.authorization', '*.authorization', '*.token', '*.variables'],
      censor: '[redacted]',
    },
  });
}

/**
 * LOG_LEVEL when it is a level, else `info`: a logger created while a module loads must not crash
 * inside pino before the process's configuration check (lib/env-config.ts) reports the bad value.
 */
function environmentLevel(): LevelWithSilent {
  const value = process.env.LOG_LEVEL?.trim();
  return value !== undefined && (LOG_LEVELS as readonly string[]).includes(value) ? (value as LevelWithSilent) : 'info';
}
