import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Identity } from '../context';
import { requestIdOf } from '../request-id';
import { AuthenticationError, type Authenticator } from './authenticate';

const identities = new WeakMap<Request, Identity>();

/**
 * Refuses every request without a valid identity before its body is even parsed, so no
 * operation (introspection included) runs for an anonymous caller.
 */
export function authenticationMiddleware(authenticator: Authenticator, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    authenticator.authenticate(req.headers).then(
      (identity) => {
        identities.set(req, identity);
        next();
      },
      (error: unknown) => {
        const failure =
          error instanceof AuthenticationError ? error : new AuthenticationError('bad_signature', 'Token could not be verified');
        // Reason and client address, never the token.
        logger.warn(
          { requestId: requestIdOf(req), reason: failure.reason, status: failure.httpStatus, remoteAddress: req.socket.remoteAddress },
          `request refused: ${failure.message}`,
        );
        if (!(error instanceof AuthenticationError)) logger.error({ err: error }, 'unexpected error while authenticating');
        sendAuthenticationFailure(req, res, failure);
      },
    );
  };
}

export function identityOf(req: Request): Identity {
  const identity = identities.get(req);
  // Fail closed: reaching a handler without an identity is a wiring bug, not a guest.
  if (identity === undefined) throw new AuthenticationError('missing_token', 'Request has no verified identity');
  return identity;
}

function sendAuthenticationFailure(req: Request, res: Response, failure: AuthenticationError): void {
  if (failure.httpStatus === 401) res.setHeader('WWW-Authenticate', wwwAuthenticate(failure));
  if (failure.httpStatus === 503) res.setHeader('Retry-After', '5');
  res.setHeader('Cache-Control', 'no-store');
  // Follow the GraphQL-over-HTTP media type when the client asks for it.
  const type = req.accepts(['application/json', 'application/graphql-response+json']) === 'application/graphql-response+json'
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
  res.status(failure.httpStatus).type(type).send(
    JSON.stringify({
      errors: [{ message: failure.message, extensions: { code: failure.code, reason: failure.reason } }],
    }),
  );
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
