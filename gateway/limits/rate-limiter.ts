/**
 * Per-user request rate and concurrency (policy/limits.yaml `requestsPerMinute`,
 * `concurrentRequests`), counted per token subject. The rate uses rate-limiter-flexible (a
 * window of 60 s from the user's first request in it); concurrency is a counting semaphore.
 * Both live in the process, or, with a Redis client, in Redis, so that every gateway replica
 * counts the same requests. When Redis cannot answer, the limiter says so (`unavailable`) and the
 * request is refused: a replica that cannot see the shared counters cannot keep the limits.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitProfile } from '../../lib/policy/types';

export type LimitRefusal =
  | { readonly code: 'RATE_LIMITED'; readonly retryAfterSeconds: number }
  | { readonly code: 'CONCURRENCY_LIMITED'; readonly retryAfterSeconds: number }
  | { readonly code: 'LIMITS_UNAVAILABLE'; readonly retryAfterSeconds: number };

export type Admission = { readonly ok: true; release(): void } | { readonly ok: false; readonly refusal: LimitRefusal };

export interface UserLimiterStats {
  readonly admitted: number;
  readonly rateLimited: number;
  readonly concurrencyLimited: number;
  readonly unavailable: number;
}

export interface UserLimiterOptions {
  /** Shared counters; without it, counters live in this process. */
  readonly redis?: Redis;
  readonly keyPrefix: string;
}

const WINDOW_SECONDS = 60;
/**
 * A replica that dies with requests in progress leaves its slots taken; the Redis counter of a
 * user expires this long after that user's last admitted request, freeing them.
 */
const CONCURRENCY_LEASE_SECONDS = 120;

/** One counting semaphore per user: acquire() refuses past `limit`, release() gives the slot back. */
interface Semaphore {
  acquire(key: string, limit: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

function memorySemaphore(): Semaphore {
  const inUse = new Map<string, number>();
  return {
    async acquire(key, limit) {
      const current = inUse.get(key) ?? 0;
      if (current >= limit) return false;
      inUse.set(key, current + 1);
      return true;
    },
    async release(key) {
      const current = inUse.get(key) ?? 0;
      if (current <= 1) inUse.delete(key);
      else inUse.set(key, current - 1);
    },
  };
}

// Atomic in Redis: count up unless at the limit (refresh the lease), and count down never below 0.
const ACQUIRE = `local n = redis.call('INCR', KEYS[1])
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;
const RELEASE = `local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return 1`;

function redisSemaphore(redis: Redis): Semaphore {
  return {
    async acquire(key, limit) {
      return (await redis.eval(ACQUIRE, 1, key, String(limit), String(CONCURRENCY_LEASE_SECONDS))) === 1;
    },
    async release(key) {
      await redis.eval(RELEASE, 1, key);
    },
  };
}

export class UserLimiter {
  private readonly rateLimiters = new Map<string, RateLimiterAbstract>();
  private readonly semaphore: Semaphore;
  private counts = { admitted: 0, rateLimited: 0, concurrencyLimited: 0, unavailable: 0 };

  constructor(private readonly options: UserLimiterOptions) {
    this.semaphore = options.redis ? redisSemaphore(options.redis) : memorySemaphore();
  }

  /** Admits one request of `subject` under `profile`, or says why not. */
  async admit(subject: string, profile: LimitProfile): Promise<Admission> {
    const concurrencyKey = `${this.options.keyPrefix}:concurrency:${subject}`;
    let acquired: boolean;
    try {
      acquired = await this.semaphore.acquire(concurrencyKey, profile.concurrentRequests);
    } catch {
      return this.refuse({ code: 'LIMITS_UNAVAILABLE', retryAfterSeconds: 5 }, 'unavailable');
    }
    if (!acquired) return this.refuse({ code: 'CONCURRENCY_LIMITED', retryAfterSeconds: 1 }, 'concurrencyLimited');
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      // A failed release is taken care of by the lease's expiry.
      this.semaphore.release(concurrencyKey).catch(() => undefined);
    };
    try {
      await this.rateLimiter(profile).consume(subject);
    } catch (rejection) {
      release();
      if (rejection instanceof RateLimiterRes) {
        return this.refuse({ code: 'RATE_LIMITED', retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) }, 'rateLimited');
      }
      return this.refuse({ code: 'LIMITS_UNAVAILABLE', retryAfterSeconds: 5 }, 'unavailable');
    }
    this.counts.admitted += 1;
    return { ok: true, release };
  }

  stats(): UserLimiterStats {
    return { ...this.counts };
  }

  private refuse(refusal: LimitRefusal, counter: 'rateLimited' | 'concurrencyLimited' | 'unavailable'): Admission {
    this.counts[counter] += 1;
    return { ok: false, refusal };
  }

  /** One limiter per (profile, requests per minute): a rule change that alters a limit starts its own count. */
  private rateLimiter(profile: LimitProfile): RateLimiterAbstract {
    const keyPrefix = `${this.options.keyPrefix}:rate:${profile.id}:${profile.requestsPerMinute}`;
    let limiter = this.rateLimiters.get(keyPrefix);
    if (!limiter) {
      const settings = { points: profile.requestsPerMinute, duration: WINDOW_SECONDS, keyPrefix };
      limiter = this.options.redis ? new RateLimiterRedis({ ...settings, storeClient: this.options.redis, rejectIfRedisNotReady: true }) : new RateLimiterMemory(settings);
      this.rateLimiters.set(keyPrefix, limiter);
    }
    return limiter;
  }
}
