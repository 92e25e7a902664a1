import { createRequire } from "node:module";
import type * as IORedis from "ioredis";

// ioredis (CommonJS, ~50 modules) is loaded when a client is made, that is only with REDIS_URL set:
// a server without Redis never needs it, and every start (every save under `npm run dev`) would
// load it.
const require = createRequire(import.meta.url);

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
export function createRedisClient(url: string): IORedis.Redis {
  const { Redis } = require("ioredis") as typeof IORedis;
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
export function isRedisReady(redis: IORedis.Redis): boolean {
  return redis.status === "ready";
}
