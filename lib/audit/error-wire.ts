/**
 * Audit store errors as data, for a call that crosses a thread or a process (class instances lose
 * their class on the way): AuditInputError stays an input error (the gateway's writer retries the
 * other entries of a batch one by one on it); anything else becomes what the store would have
 * thrown in the caller's process, an AuditUnavailableError whose message carries no SQL.
 */
import { AuditInputError, AuditUnavailableError, unavailable } from './store';

export type SerialisedError = { kind: 'input'; message: string } | { kind: 'unavailable'; message: string; reason: string | null };

export function serialiseAuditError(error: unknown, doing: string): SerialisedError {
  if (error instanceof AuditInputError) return { kind: 'input', message: error.message };
  const failure = unavailable(error, doing);
  return { kind: 'unavailable', message: failure.message, reason: failure.reason };
}

/** The error as the direct store would have thrown it: callers test `instanceof` and `.code`. */
export function reviveAuditError(error: SerialisedError): Error {
  return error.kind === 'input' ? new AuditInputError(error.message) : new AuditUnavailableError(error.message, error.reason);
}
