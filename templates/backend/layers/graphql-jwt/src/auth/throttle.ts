import type { Redis } from "ioredis";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";
import { countOne, fixedWindowLimiter } from "../redis/shared-limiter.ts";

/**
 * Fixed-window attempt counter for GraphQL registrations per client IP (the REST route has the
 * same limit through @fastify/rate-limit). In Redis when `redis` is given, so every replica counts
 * together; in memory otherwise, and per process while Redis is down (see fixedWindowLimiter).
 * Logins have rules of their own (login-throttle.ts).
 */
export class Throttle {
  readonly #max: number;
  readonly #limiter: RateLimiterAbstract;

  constructor(max: number, windowMs: number, redis: Redis | null = null, prefix = "throttle:") {
    this.#max = max;
    this.#limiter = fixedWindowLimiter(redis, { points: max, windowMs, prefix });
  }

  /** Counts one attempt for `key`; throws RATE_LIMITED (with retryAfter) beyond the limit. */
  async hit(key: string): Promise<void> {
    const { current, msBeforeNext } = await countOne(this.#limiter, key);
    if (current > this.#max) {
      throw new AppError("RATE_LIMITED", "Too many attempts; try again later", {
        retryAfter: Math.max(1, Math.ceil(msBeforeNext / 1000)),
      });
    }
  }
}
