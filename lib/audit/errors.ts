/** The two ways an audit call fails: the entries (AuditInputError) or the store (AuditUnavailableError). */
import { AUDIT_UNAVAILABLE_CODE } from './types';

export class AuditInputError extends Error {
  readonly code = 'AUDIT_INPUT';
}

/**
 * Errors that belong to the entries written, not to the store: a refused entry (AuditInputError)
 * or a database refusing a value (PostgreSQL SQLSTATE classes 22 data exception, 23 integrity, 54
 * program limit; SQLite TOOBIG, CONSTRAINT, MISMATCH). A group commit failing with one is retried
 * entry by entry (one bad entry never fails another's); any other failure (unreachable, read-only,
 * timeout) fails the group as it is: retrying would only wait again.
 */
export function isEntryError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (code === 'AUDIT_INPUT') return true;
  const reason = error instanceof AuditUnavailableError ? error.reason : typeof code === 'string' ? code : null;
  if (reason === null) return false;
  return /^(22|23|54)[0-9A-Z]{3}$/.test(reason) || /^SQLITE_(TOOBIG|CONSTRAINT|MISMATCH)/.test(reason);
}

/**
 * The store could not write (or read): unreachable, read-only, locked, closed. Its message never
 * carries the SQL or its values (knex puts them in driver errors' messages; they hold 宛名番号).
 */
export class AuditUnavailableError extends Error {
  readonly code = AUDIT_UNAVAILABLE_CODE;
  /** The driver's code when there is one (SQLITE_READONLY, ECONNREFUSED, 25006, …). */
  readonly reason: string | null;
  constructor(message: string, reason: string | null = null) {
    super(message);
    this.name = 'AuditUnavailableError';
    this.reason = reason;
  }
}

/** A driver error as an AuditUnavailableError, without the statement knex prefixed to it. */
export function unavailable(error: unknown, doing: string): AuditUnavailableError {
  if (error instanceof AuditUnavailableError) return error;
  const raw = String((error as { message?: unknown })?.message ?? error);
  const separator = raw.lastIndexOf(' - ');
  const message = separator >= 0 ? raw.slice(separator + 3) : raw;
  const code = (error as { code?: unknown })?.code;
  return new AuditUnavailableError(`audit store: ${doing} failed: ${message}`, typeof code === 'string' ? code : null);
}
