import { AppError } from "../errors.ts";
import { type AttemptStore, type Limit, MemoryAttemptStore } from "./attempts.ts";

/**
 * How many passwords may be tried. Failed logins count (a successful one gives its attempt back);
 * each window slides (the last 60 s, 15 min, hour), so no burst at a window's edge doubles them.
 */
export const LOGIN_LIMITS = {
  /** Per client address, whatever the account: stops one address spraying many accounts. */
  client: { max: 30, windowMs: 60_000 },
  /**
   * Per account and client address: one address alone can try 40 passwords an hour at most, under
   * the account's ceiling, so it can never lock the account for others.
   */
  accountAndClient: { max: 10, windowMs: 15 * 60_000 },
  /**
   * Per account, from every client without a device token of that account: the ceiling on guesses
   * from many addresses. Once reached, such logins (even with the right password) wait until the
   * oldest failure is an hour old.
   */
  account: { max: 50, windowMs: 60 * 60_000 },
  /** Per device token: a device whose token is valid for the account counts here instead. */
  device: { max: 10, windowMs: 15 * 60_000 },
} satisfies Record<string, Limit>;

export type LoginLimits = typeof LOGIN_LIMITS;

/** The attempt a login is making; tell it how it ended. */
export interface LoginAttempt {
  /** The password was right: successes are not guesses. */
  succeeded(): Promise<void>;
  /** No password was checked (the server was busy): the attempt is given back. */
  cancelled(): Promise<void>;
}

interface Held {
  key: string;
  at: number;
}

/**
 * The login throttle. An attacker from many addresses can use up an account's ceiling, which then
 * refuses every login without a device token; the owner's device token (from an earlier successful
 * login) is counted against its own limit, so the owner still gets in.
 */
export class LoginThrottle {
  readonly #store: AttemptStore;
  readonly #limits: LoginLimits;

  constructor(store: AttemptStore = new MemoryAttemptStore(), limits: LoginLimits = LOGIN_LIMITS) {
    this.#store = store;
    this.#limits = limits;
  }

  /**
   * Takes one attempt from every budget that applies, before any password is checked; throws
   * RATE_LIMITED (with Retry-After) when one is used up. `device` is the id of a valid device token
   * for this account, if the client sent one.
   */
  async begin(
    account: string,
    client: string,
    device: string | null,
    now = Date.now(),
  ): Promise<LoginAttempt> {
    const budgets: [string, Limit][] = device
      ? [
          [`client:${client}`, this.#limits.client],
          [`device:${device}`, this.#limits.device],
        ]
      : [
          [`client:${client}`, this.#limits.client],
          [`account-client:${account}\n${client}`, this.#limits.accountAndClient],
          [`account:${account}`, this.#limits.account],
        ];
    const held: Held[] = [];
    for (const [key, limit] of budgets) {
      const taken = await this.#store.take(key, limit, now);
      if (!taken.ok) {
        await this.#giveBack(held);
        throw new AppError("RATE_LIMITED", "Too many login attempts; try again later", {
          retryAfter: Math.max(1, Math.ceil(taken.retryAfterMs / 1000)),
        });
      }
      held.push({ key, at: taken.at });
    }
    return {
      succeeded: async () => {
        // The account's ceiling only gets its attempt back: a success must not erase the
        // failures of others. This address (or device) starts afresh for this account.
        const [clientHeld, second, third] = held;
        if (clientHeld) await this.#store.giveBack(clientHeld.key, clientHeld.at);
        if (second) await this.#store.reset(second.key);
        if (third) await this.#store.giveBack(third.key, third.at);
      },
      cancelled: () => this.#giveBack(held),
    };
  }

  async #giveBack(held: Held[]) {
    for (const { key, at } of held) await this.#store.giveBack(key, at);
  }
}
