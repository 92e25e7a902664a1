import type { User } from "./types.ts";

/** How long a user found by id is trusted without asking the database again. */
export const USER_CACHE_TTL_MS = 60_000;
/** Users kept at most; beyond it the oldest entry goes (memory stays bounded whatever the load). */
export const USER_CACHE_MAX = 10_000;

/**
 * Users recently found by id, so that an authenticated request costs no database lookup: one per
 * user and minute instead. Only existing users are kept (an unknown id is asked every time: such
 * tokens come only from deleted accounts, since forging one takes the secret).
 */
export class UserCache {
  readonly #entries = new Map<string, { user: User; until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(ttlMs = USER_CACHE_TTL_MS, max = USER_CACHE_MAX, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#now = now;
  }

  get(id: string): User | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.user;
  }

  set(user: User): void {
    this.#entries.delete(user.id); // re-inserted last: a Map keeps insertion order
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(user.id, { user, until: this.#now() + this.#ttlMs });
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }
}
