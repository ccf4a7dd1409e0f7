/**
 * What an operational log says about an error: its class, its code and its message, made safe to
 * keep. Messages are written by code, but some quote what they were given (a driver quoting a
 * value, a parser quoting input): quoted text and long digit runs (宛名番号, 個人番号 and 住民票コード are
 * digits) are masked, the first line only is kept, bounded. Never the stack, never variables.
 */
export interface ErrorCause {
  /** The error's class (`TypeError`, `KnexTimeoutError`, `GraphQLError` …). */
  readonly type: string;
  /** Its code (`ECONNREFUSED`, `SQLITE_BUSY`, an `extensions.code`), when it has one. */
  readonly code: string | null;
  readonly message: string;
}

const MAX_MESSAGE = 200;

export function safeMessage(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? '';
  const masked = firstLine
    .replace(/"[^"]*"|'[^']*'|「[^」]*」/g, '"…"')
    .replace(/\d{6,}/g, '#');
  return masked.length > MAX_MESSAGE ? `${masked.slice(0, MAX_MESSAGE)}…` : masked;
}

export function errorCause(error: unknown): ErrorCause {
  if (!(error instanceof Error)) return { type: typeof error, code: null, message: '(not an Error)' };
  const withCode = error as Error & { code?: unknown; extensions?: { code?: unknown } };
  const code = typeof withCode.code === 'string' ? withCode.code : typeof withCode.extensions?.code === 'string' ? withCode.extensions.code : null;
  return { type: error.constructor?.name || error.name, code: code === null ? null : code.slice(0, 64), message: safeMessage(error.message) };
}
