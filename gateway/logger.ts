import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * Operational log. It must never carry a token or an operation's variables (they hold person
 * data): the call sites do not pass them, and the redaction below is the second line in case a
 * future call site does.
 */
export function createLogger(level: LevelWithSilent, name = 'gateway'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'authorization',
        'token',
        'variables',
        'headers.authorization',
        'req.headers.authorization',
        '*.authorization',
        '*.token',
        '*.variables',
      ],
      censor: '[redacted]',
    },
  });
}
