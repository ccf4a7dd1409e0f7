import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { resolveProfile, type ResolveProfileOptions } from '../../lib/authorization/profile';
import type { PolicySet } from '../../lib/policy/types';
import type { Principal, ProfileRefusal } from '../../lib/authorization/types';
import { principalOf } from '../authorization/principal';
import type { Identity, RequestAuthorization } from '../context';
import { refuse } from '../http/refuse';
import { requestStateOf } from '../http/request-state';
import { AuthenticationError, type Authenticator } from './authenticate';

export type { RequestAuthorization } from '../context';

/**
 * Refuses every request without a valid identity before its body is even parsed, so no
 * operation (introspection included) runs for an anonymous caller.
 */
export function authenticationMiddleware(authenticator: Authenticator, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const state = requestStateOf(req);
    authenticator.authenticate(req.headers, state.client).then(
      (identity) => {
        state.identity = identity;
        next();
      },
      (error: unknown) => {
        const failure =
          error instanceof AuthenticationError ? error : new AuthenticationError('bad_signature', 'Token could not be verified');
        // Reason and client address, never the token.
        logger.warn(
          { requestId: state.requestId, reason: failure.reason, status: failure.httpStatus, remoteAddress: req.socket.remoteAddress },
          `request refused: ${failure.message}`,
        );
        if (!(error instanceof AuthenticationError)) logger.error({ err: error }, 'unexpected error while authenticating');
        sendAuthenticationFailure(req, res, failure);
      },
    );
  };
}

export function identityOf(req: Request): Identity {
  const identity = requestStateOf(req).identity;
  // Fail closed: reaching a handler without an identity is a wiring bug, not a guest.
  if (identity === undefined) throw new AuthenticationError('missing_token', 'Request has no verified identity');
  return identity;
}

/**
 * After authentication: resolves the caller's permission profile from the rules in force (read
 * per request, so a revocation or rule change applies to the next request) and refuses, before
 * the body is parsed, a principal the rules refuse outright:
 * revoked → 401 UNAUTHENTICATED; department unknown to the rules → 403 FORBIDDEN; a purpose the
 * rules do not know, or one the department is not registered for → 400 BAD_REQUEST, with
 * `extensions.reason` naming which.
 */
export function permissionProfileMiddleware(rules: () => PolicySet, logger: Logger, options: ResolveProfileOptions = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    let result: ReturnType<typeof resolveProfile>;
    let principal: Principal;
    try {
      principal = principalOf(identityOf(req));
      result = resolveProfile(rules(), principal, options);
    } catch (error) {
      // Fail closed: no profile, no answer (the error handler answers 500 without details).
      next(error);
      return;
    }
    if (result.ok) {
      requestStateOf(req).authorization = { principal, profile: result.profile };
      next();
      return;
    }
    const refusal = PROFILE_REFUSALS[result.refusal.reason];
    logger.warn(
      {
        requestId: requestStateOf(req).requestId,
        reason: refusal.reason,
        status: refusal.httpStatus,
        subject: principal.subject,
        department: principal.departmentId,
        purpose: principal.purpose,
      },
      `request refused by the access rules: ${result.refusal.message}`,
    );
    refuse(req, res, {
      status: refusal.httpStatus,
      code: refusal.code,
      reason: refusal.reason,
      message: capitalize(result.refusal.message),
      ...(refusal.httpStatus === 401
        ? { headers: { 'WWW-Authenticate': `Bearer realm="ward-gateway", error="invalid_token", error_description="${headerSafe(result.refusal.message)}"` } }
        : {}),
    });
  };
}

/** The principal and profile of a request that passed permissionProfileMiddleware. */
export function authorizationOf(req: Request): RequestAuthorization {
  const authorization = requestStateOf(req).authorization;
  // Fail closed: reaching a handler without a profile is a wiring bug, not "everything allowed".
  if (authorization === undefined) throw new Error('Request has no permission profile');
  return authorization;
}

/** How each refusal of the access rules is answered over HTTP. */
export const PROFILE_REFUSALS: Readonly<
  Record<ProfileRefusal['reason'], { readonly httpStatus: 400 | 401 | 403; readonly code: string; readonly reason: string }>
> = {
  REVOKED: { httpStatus: 401, code: 'UNAUTHENTICATED', reason: 'revoked' },
  UNKNOWN_DEPARTMENT: { httpStatus: 403, code: 'FORBIDDEN', reason: 'unknown_department' },
  UNKNOWN_PURPOSE: { httpStatus: 400, code: 'BAD_REQUEST', reason: 'unknown_purpose' },
  PURPOSE_NOT_REGISTERED: { httpStatus: 400, code: 'BAD_REQUEST', reason: 'purpose_not_registered' },
};

function sendAuthenticationFailure(req: Request, res: Response, failure: AuthenticationError): void {
  const headers: Record<string, string> = {};
  if (failure.httpStatus === 401) headers['WWW-Authenticate'] = wwwAuthenticate(failure);
  if (failure.httpStatus === 503) headers['Retry-After'] = '5';
  refuse(req, res, { status: failure.httpStatus, code: failure.code, reason: failure.reason, message: failure.message, headers });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'");
}

/**
 * RFC 6750 §3: a request with no credentials gets the bare challenge; a bad token gets
 * `invalid_token` with a description.
 */
function wwwAuthenticate(failure: AuthenticationError): string {
  const realm = 'realm="ward-gateway"';
  if (failure.reason === 'missing_token') return `Bearer ${realm}`;
  const description = failure.message.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'");
  return `Bearer ${realm}, error="invalid_token", error_description="${description}"`;
}
