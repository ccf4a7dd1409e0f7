/** Where the per-user rate and concurrency counters live (GATEWAY_LIMITS_*). */
export interface LimitsConfig {
  /**
   * GATEWAY_LIMITS_REDIS_URL (redis://host:port/db): counters shared by every gateway replica.
   * Unset: each process keeps its own counters (one gateway only).
   */
  readonly redisUrl: string | undefined;
  /** GATEWAY_LIMITS_REDIS_PREFIX: keys' prefix in Redis (default `ward-gateway:limits`). */
  readonly keyPrefix: string;
}

type Read = (name: string) => string | undefined;

export function loadLimitsConfig(read: Read, problems: string[]): LimitsConfig {
  const redisUrl = read('GATEWAY_LIMITS_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) problems.push(`GATEWAY_LIMITS_REDIS_URL must be a redis:// or rediss:// URL, got '${redisUrl}'`);
  const keyPrefix = read('GATEWAY_LIMITS_REDIS_PREFIX') ?? 'ward-gateway:limits';
  if (!/^[A-Za-z0-9:._-]{1,100}$/.test(keyPrefix)) problems.push(`GATEWAY_LIMITS_REDIS_PREFIX must be 1–100 of A–Z a–z 0–9 : . _ -, got '${keyPrefix}'`);
  return { redisUrl, keyPrefix };
}
