import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Redis } from "ioredis";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { countOne, fixedWindowLimiter } from "./shared-limiter.ts";

/**
 * A store for @fastify/rate-limit that counts in Redis (shared by every replica) and falls back to
 * this process's memory while Redis is down (see fixedWindowLimiter for why).
 */
export function sharedRateLimitStore(redis: Redis): FastifyRateLimitStoreCtor {
  class SharedStore implements FastifyRateLimitStore {
    readonly #prefix: string;
    readonly #limiters = new Map<string, RateLimiterAbstract>();

    constructor(_options?: unknown, prefix = "rate-limit:") {
      this.#prefix = prefix;
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      max: number,
    ): void {
      countOne(this.#limiter(timeWindow, max), key).then(
        ({ current, msBeforeNext }) => callback(null, { current, ttl: msBeforeNext }),
        (error: Error) => callback(error),
      );
    }

    /** A route with limits of its own counts apart from the others (keys named by the route). */
    child(options: Parameters<FastifyRateLimitStore["child"]>[0]): FastifyRateLimitStore {
      // The plugin passes the route as `routeInfo` (its own Redis store reads it the same way).
      const route = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      return new SharedStore(undefined, `${this.#prefix}${route?.method}${route?.url}:`);
    }

    /** One limiter per window and maximum (a route may set its own). */
    #limiter(windowMs: number, points: number): RateLimiterAbstract {
      const id = `${windowMs}:${points}`;
      let limiter = this.#limiters.get(id);
      if (!limiter) {
        limiter = fixedWindowLimiter(redis, { points, windowMs, prefix: `${this.#prefix}${id}` });
        this.#limiters.set(id, limiter);
      }
      return limiter;
    }
  }
  return SharedStore;
}
