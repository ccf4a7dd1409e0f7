import { Redis } from 'ioredis';

/**
 * Redis for the tests: this machine (and CI, via .ci/run) runs a server for the gateway replicas'
 * shared limit counters. Global setup pings it once and hands its URL to the suites as
 * TEST_REDIS_URL; under CI=true a missing server fails the run; elsewhere the Redis suites are
 * skipped, loudly. Each suite uses keys under a prefix of its own.
 */
export function redisUrl(): string {
  return process.env.TEST_REDIS_ADMIN_URL ?? 'redis://127.0.0.1:6379';
}

/** Resolves when a Redis answers PING at `url`; rejects otherwise (within about 2 s). */
export async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** `describe` when the run has a Redis, `describe.skip` otherwise (never under CI). */
export function describeWithRedis(name: string, suite: () => void): void {
  (process.env.TEST_REDIS_URL ? describe : describe.skip)(name, suite);
}
