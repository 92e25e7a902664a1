import type { Redis } from "ioredis";
import { type AttemptStore, type Limit, MemoryAttemptStore, type Taken } from "./attempts.ts";
import { RedisAttemptStore } from "./redis-attempt-store.ts";

/**
 * Attempts in the shared store, or in this process's memory while the shared store fails.
 *
 * Redis down: logins keep working, throttled per process (with N replicas an attacker gets up to N
 * times the budgets for as long as the outage lasts). Failing closed would lock every user out
 * whenever the cache is down; failing open would drop the throttle entirely. Attempts counted in
 * memory during an outage are not copied to Redis when it comes back.
 */
export class FallbackAttemptStore implements AttemptStore {
  readonly #shared: AttemptStore;
  readonly #local: AttemptStore;

  constructor(shared: AttemptStore, local: AttemptStore = new MemoryAttemptStore()) {
    this.#shared = shared;
    this.#local = local;
  }

  async take(key: string, limit: Limit, now: number): Promise<Taken> {
    try {
      return await this.#shared.take(key, limit, now);
    } catch {
      return this.#local.take(key, limit, now);
    }
  }

  /** Both stores: the attempt may have been taken in either (Redis may have gone or come back). */
  async giveBack(key: string, at: number): Promise<void> {
    await this.#local.giveBack(key, at);
    await this.#shared.giveBack(key, at).catch(() => {});
  }

  async reset(key: string): Promise<void> {
    await this.#local.reset(key);
    await this.#shared.reset(key).catch(() => {});
  }
}

/** Where a process counts login attempts: shared through Redis when there is one. */
export function loginAttemptStore(redis: Redis | null): AttemptStore {
  return redis === null
    ? new MemoryAttemptStore()
    : new FallbackAttemptStore(new RedisAttemptStore(redis));
}
