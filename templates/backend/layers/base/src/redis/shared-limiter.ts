import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";

export interface FixedWindow {
  /** Requests allowed per window. */
  points: number;
  windowMs: number;
  /** Names this limit's keys (several limits share one Redis). */
  prefix: string;
}

/**
 * A fixed-window counter (rate-limiter-flexible): in Redis when there is one, so every replica
 * counts together; in this process's memory otherwise.
 *
 * Redis down: each command fails at once (or after REDIS_COMMAND_TIMEOUT_MS) and the count goes to
 * this process's memory instead (the library's "insurance" limiter), so the limit still holds per
 * process. Not fail closed: an outage of a cache must not take the whole API down with it. Not fail
 * open: a Redis outage must not remove every limit, which an attacker would welcome.
 */
export function fixedWindowLimiter(redis: Redis | null, limit: FixedWindow): RateLimiterAbstract {
  const duration = Math.max(1, Math.ceil(limit.windowMs / 1000)); // the library counts seconds
  const memory = new RateLimiterMemory({
    points: limit.points,
    duration,
    keyPrefix: limit.prefix,
  });
  if (redis === null) return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    points: limit.points,
    duration,
    keyPrefix: limit.prefix,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
}

/** The outcome of one counted request: how many the window holds now, and when it ends. */
export interface Counted {
  current: number;
  msBeforeNext: number;
}

/** Counts one request for `key`; over the limit is not an error here (`current` > points). */
export async function countOne(limiter: RateLimiterAbstract, key: string): Promise<Counted> {
  try {
    const res = await limiter.consume(key);
    return { current: res.consumedPoints, msBeforeNext: res.msBeforeNext };
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) {
      return { current: outcome.consumedPoints, msBeforeNext: outcome.msBeforeNext };
    }
    throw outcome;
  }
}
