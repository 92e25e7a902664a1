import { AppError } from "../errors.ts";

/**
 * Fixed-window attempt counter kept in memory (one process), for GraphQL registrations per client
 * IP. Logins have rules of their own (login-throttle.ts). For several instances, move it to a
 * shared store such as Redis.
 */
export class Throttle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #hits = new Map<string, { count: number; resetAt: number }>();

  constructor(max: number, windowMs: number) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** Counts one attempt for `key`; throws RATE_LIMITED beyond the limit. */
  hit(key: string, now = Date.now()): void {
    this.record(key, now);
    this.check(key, now, 0);
  }

  /** Throws RATE_LIMITED when `key` has already used up its attempts. */
  check(key: string, now = Date.now(), spare = 1): void {
    const entry = this.#hits.get(key);
    if (entry && entry.resetAt > now && entry.count + spare > this.#max) {
      const retryAfter = Math.max(1, Math.ceil((entry.resetAt - now) / 1000));
      throw new AppError("RATE_LIMITED", "Too many login attempts; try again later", {
        retryAfter,
      });
    }
  }

  /** Counts one attempt for `key` without checking. */
  record(key: string, now = Date.now()): void {
    let entry = this.#hits.get(key);
    if (!entry || entry.resetAt <= now) {
      if (this.#hits.size >= 100_000) this.#sweep(now);
      entry = { count: 0, resetAt: now + this.#windowMs };
      this.#hits.set(key, entry);
    }
    entry.count += 1;
  }

  #sweep(now: number) {
    for (const [key, entry] of this.#hits) if (entry.resetAt <= now) this.#hits.delete(key);
    if (this.#hits.size >= 100_000) this.#hits.clear();
  }
}
