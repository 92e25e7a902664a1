import { Redis } from "ioredis";

/** How long a command may wait for Redis before it fails (and the caller falls back). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** How long opening a connection may take. */
export const REDIS_CONNECT_TIMEOUT_MS = 2000;
/** The longest pause between two reconnection attempts while Redis is away. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 2000;

/**
 * One client for the process, tuned to fail fast: while Redis is down, commands are refused at
 * once (no offline queue that would hold requests for as long as the outage lasts) and each one
 * gives up after REDIS_COMMAND_TIMEOUT_MS. It keeps reconnecting in the background, so a Redis
 * that comes back is used again without a restart.
 */
export function createRedisClient(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, REDIS_MAX_RECONNECT_DELAY_MS),
  });
}

/** True while the client has a working connection (commands would be sent, not refused). */
export function isRedisReady(redis: Redis): boolean {
  return redis.status === "ready";
}
