/** The Redis connection of the shared limit counters. */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Connects in the background and keeps reconnecting; meanwhile commands fail at once (no offline
 * queue, no retries), so a request is refused with LIMITS_UNAVAILABLE instead of waiting.
 */
export function openLimitsRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    lazyConnect: false,
    // disconnect() ends the socket and destroys it if it has not closed by then. ioredis's default
    // (2 s, a timer that is not unref'd) held the process that long after closing the gateway
    // while Redis was unreachable: its refused socket never emits 'close' again to clear it.
    disconnectTimeout: 200,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    // Once per outage, not once per reconnect attempt; never the URL (it may carry a password).
    if (down) return;
    down = true;
    logger.error({ err: { name: error.name, code: (error as NodeJS.ErrnoException).code } }, 'limit counters: Redis unreachable; requests are refused with 503 LIMITS_UNAVAILABLE until it is back');
  });
  redis.on('ready', () => {
    if (down) logger.info('limit counters: Redis reachable again');
    down = false;
  });
  return redis;
}
