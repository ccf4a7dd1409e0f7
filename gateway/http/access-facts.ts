import type { ErrorCause } from '../../lib/log-cause';

/** What the access log line says about the operation (access-log.ts), filled in as the request goes. */
export interface AccessFacts {
  /** The operation's name, bounded (the client's text). */
  operationName: string | null;
  /** GRANTED, PARTIAL, DENIED, REFUSED or FAILED (the audit's words); null before a decision. */
  decision: string | null;
  /** The answer's `extensions.code`s, distinct, at most a few. */
  errorCodes: string[];
  /** The first internal error, for the error-level line: class, code, safe message. */
  cause: ErrorCause | null;
  /**
   * Reads the final answer into the facts, when the line is written: Apollo Server runs the
   * plugins' willSendResponse hooks at once, and the audit's may still replace the answer (503).
   */
  settle?: () => void;
}
