/**
 * Express middleware on the GraphQL path, after authentication and the permission profile and
 * before the body is parsed: admits the request under the caller's rate and concurrency limits
 * (policy/limits.yaml), or answers 429 RATE_LIMITED / CONCURRENCY_LIMITED with Retry-After, or 503
 * LIMITS_UNAVAILABLE when the shared counters cannot be reached. Every request on the path counts
 * (statistics included). The refusal is recorded through `refuse` (gateway/http/refuse.ts).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { LimitPolicy } from '../../lib/policy/types';
import { authorizationOf } from '../auth/middleware';
import { refuse } from '../http/refuse';
import { requestIdOf } from '../request-id';
import { limitProfileFor } from './limit-profile';
import type { LimitRefusal, UserLimiter } from './rate-limiter';

function messageOf(refusal: LimitRefusal, profile: { id: string; requestsPerMinute: number; concurrentRequests: number }): string {
  switch (refusal.code) {
    case 'RATE_LIMITED':
      return `Too many requests: at most ${profile.requestsPerMinute} per minute for limit profile "${profile.id}". Retry after ${refusal.retryAfterSeconds} s.`;
    case 'CONCURRENCY_LIMITED':
      return `Too many requests in progress: at most ${profile.concurrentRequests} at once for limit profile "${profile.id}". Retry when one has finished.`;
    case 'LIMITS_UNAVAILABLE':
      return 'The request limits cannot be checked right now (shared counters unreachable): nothing was read. Try again later.';
  }
}

export function userLimitsMiddleware(limiter: UserLimiter, limits: () => LimitPolicy, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const { principal } = authorizationOf(req);
    const profile = limitProfileFor(limits(), principal);
    limiter.admit(principal.subject, profile).then((admission) => {
      if (admission.ok) {
        // 'close' follows the response (sent or aborted): the slot is always given back.
        res.once('close', admission.release);
        next();
        return;
      }
      const { refusal } = admission;
      const status = refusal.code === 'LIMITS_UNAVAILABLE' ? 503 : 429;
      const log = { requestId: requestIdOf(req), code: refusal.code, limitProfile: profile.id };
      if (status === 503) logger.error(log, 'request refused: the shared limit counters are unreachable');
      else logger.warn(log, 'request refused by a per-user limit');
      refuse(req, res, {
        status,
        code: refusal.code,
        message: messageOf(refusal, profile),
        extensions: { retryAfterSeconds: refusal.retryAfterSeconds, limitProfile: profile.id },
        headers: { 'Retry-After': String(refusal.retryAfterSeconds) },
      });
    }, next);
  };
}
