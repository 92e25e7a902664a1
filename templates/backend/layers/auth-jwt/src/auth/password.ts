import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import { AppError } from "../errors.ts";

/** `Algorithm.Argon2id` (a const enum, which type stripping cannot inline). */
const ARGON2ID = 2;

/** argon2id with the OWASP minimum (19 MiB, 2 iterations, 1 lane). */
const OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/**
 * argon2id at its smallest (8 KiB, 1 iteration): for the project's own tests only, where hundreds
 * of hashes at full cost take most of the run. Config refuses it outside NODE_ENV=test
 * (PASSWORD_HASH_COST, src/config/password-hashing.ts).
 */
const TEST_ONLY_OPTIONS = { ...OPTIONS, memoryCost: 8, timeCost: 1 } as const;

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** The argon2 calls a `PasswordHasher` bounds (tests pass slow or counting ones). */
export interface Argon2 {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
}

/** How much a password hash costs: the OWASP minimum, or the test-only cheapest. */
export type HashCost = "owasp" | "test";

export const ARGON2: Record<HashCost, Argon2> = {
  owasp: { hash: hashPassword, verify: verifyPassword },
  test: { hash: (password) => hash(password, TEST_ONLY_OPTIONS), verify: verifyPassword },
};

export interface HashingBound {
  /** Hashes (or verifications) running at once. */
  concurrency: number;
  /** Calls waiting for a turn; one more is refused at once with SERVICE_UNAVAILABLE. */
  queue: number;
}

/** One hash at a time per two CPU cores (at least one), so the event loop keeps a core. */
export const DEFAULT_HASHING: HashingBound = {
  concurrency: Math.max(1, Math.floor(availableParallelism() / 2)),
  queue: 16,
};

/** Seconds a client is told to wait when the hashing queue is full. */
export const HASHING_RETRY_AFTER = 1;

/**
 * Every password hash and verification goes through here: at most `concurrency` run at once (they
 * take a libuv thread and a core each, ~19 MiB of memory each), at most `queue` wait, and beyond
 * that a login or registration is refused at once (503, Retry-After: 1) instead of slowing every
 * other request of the process. Logins with a device token wait in a queue of their own, served first.
 */
export class PasswordHasher {
  readonly #argon2: Argon2;
  readonly #bound: HashingBound;
  readonly #waiting: (() => void)[] = [];
  /** Waiting calls of clients that proved an earlier login (a device token): served first. */
  readonly #priority: (() => void)[] = [];
  #running = 0;
  #dummy: Promise<string> | undefined;

  constructor(bound: HashingBound = DEFAULT_HASHING, argon2: Argon2 = ARGON2.owasp) {
    this.#argon2 = argon2;
    this.#bound = bound;
  }

  /** Hashes (and verifications) running, and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length + this.#priority.length };
  }

  /**
   * Throws SERVICE_UNAVAILABLE now if a call would be refused: checked before the database is
   * asked for the user, so a refused login costs next to nothing.
   */
  checkRoom(priority = false): void {
    const queue = priority ? this.#priority : this.#waiting;
    if (this.#running >= this.#bound.concurrency && queue.length >= this.#bound.queue) throw busy();
  }

  hash(password: string): Promise<string> {
    return this.#run(() => this.#argon2.hash(password));
  }

  /**
   * `priority`: the caller holds a device token of this account; such calls have a queue of their
   * own (of the same size), served first, so a flood of anonymous logins cannot keep them out.
   */
  verify(passwordHash: string, password: string, priority = false): Promise<boolean> {
    return this.#run(() => this.#argon2.verify(passwordHash, password), priority);
  }

  /**
   * Verifies against a fixed hash, so a login for an unknown email costs as much time as one with
   * a wrong password (and takes a place in the queue like one).
   */
  async verifyDummy(password: string): Promise<void> {
    this.#dummy ??= this.#argon2.hash("dummy password that matches nothing");
    const dummy = await this.#dummy;
    await this.verify(dummy, password);
  }

  async #run<T>(work: () => Promise<T>, priority = false): Promise<T> {
    if (this.#running >= this.#bound.concurrency) {
      const queue = priority ? this.#priority : this.#waiting;
      if (queue.length >= this.#bound.queue) throw busy();
      await new Promise<void>((resolve) => queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      const next = this.#priority.shift() ?? this.#waiting.shift();
      if (next)
        next(); // the turn passes on: #running stays the same
      else this.#running--;
    }
  }
}

/** 503 with Retry-After: too many passwords are being checked right now. */
export function busy(): AppError {
  return new AppError("SERVICE_UNAVAILABLE", "The server is busy; try again in a moment", {
    retryAfter: HASHING_RETRY_AFTER,
  });
}
