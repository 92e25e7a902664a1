/**
 * Where login attempts are counted: a sliding window of timestamps per key. The store is an
 * interface so that several instances can share one: `RedisAttemptStore` (with REDIS_URL) keeps
 * them in Redis; `MemoryAttemptStore` keeps them in this process.
 */

export interface Limit {
  /** Attempts allowed within any window of `windowMs`. */
  max: number;
  windowMs: number;
}

/** One attempt taken (`at` gives it back), or none left until `retryAfterMs` from now. */
export type Taken = { ok: true; at: number } | { ok: false; retryAfterMs: number };

export interface AttemptStore {
  /** Atomically: when `key` has fewer than `limit.max` attempts in the window, counts one more. */
  take(key: string, limit: Limit, now: number): Promise<Taken>;
  /** Forgets the one attempt taken at `at` (it turned out not to be a guess). */
  giveBack(key: string, at: number): Promise<void>;
  /** Forgets every attempt of `key`. */
  reset(key: string): Promise<void>;
}

/** At most this many keys are kept; beyond it the least recently used are forgotten. */
export const MEMORY_STORE_MAX_KEYS = 100_000;

/** Attempts in this process's memory: right for one instance. */
export class MemoryAttemptStore implements AttemptStore {
  readonly #keys = new Map<string, number[]>();
  readonly #maxKeys: number;

  constructor(maxKeys = MEMORY_STORE_MAX_KEYS) {
    this.#maxKeys = maxKeys;
  }

  async take(key: string, limit: Limit, now: number): Promise<Taken> {
    const since = now - limit.windowMs;
    const times = (this.#keys.get(key) ?? []).filter((time) => time > since);
    this.#keys.delete(key); // re-inserted last: the map's order is least recently used first
    if (times.length >= limit.max) {
      this.#keys.set(key, times);
      const oldest = times[times.length - limit.max] ?? now;
      return { ok: false, retryAfterMs: Math.max(1, oldest + limit.windowMs - now) };
    }
    times.push(now);
    if (this.#keys.size >= this.#maxKeys) this.#evict();
    this.#keys.set(key, times);
    return { ok: true, at: now };
  }

  async giveBack(key: string, at: number): Promise<void> {
    const times = this.#keys.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (times && index >= 0) times.splice(index, 1);
  }

  async reset(key: string): Promise<void> {
    this.#keys.delete(key);
  }

  /** Drops the least recently used tenth of the keys. */
  #evict() {
    let drop = Math.max(1, Math.floor(this.#maxKeys / 10));
    for (const key of this.#keys.keys()) {
      if (drop-- <= 0) break;
      this.#keys.delete(key);
    }
  }
}
