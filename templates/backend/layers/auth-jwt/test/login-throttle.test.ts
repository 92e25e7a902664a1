import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AttemptStore, MemoryAttemptStore } from "../src/auth/attempts.ts";
import { LOGIN_LIMITS, LoginThrottle } from "../src/auth/login-throttle.ts";
import { RedisAttemptStore } from "../src/auth/redis-attempt-store.ts";
import { AppError } from "../src/errors.ts";
import { openTestRedis, TEST_REDIS_URL } from "./support/redis.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = 1_000_000_000;

/** "ok" when the attempt may go on (it is then counted as a failure), else the error code. */
async function attempt(
  throttle: LoginThrottle,
  account: string,
  client: string,
  device: string | null = null,
  now = T0,
): Promise<string> {
  try {
    await throttle.begin(account, client, device, now);
    return "ok";
  } catch (error) {
    if (error instanceof AppError) return `${error.code} ${error.retryAfter}`;
    throw error;
  }
}

describe("MemoryAttemptStore", () => {
  it("slides its window: an attempt counts for exactly windowMs", async () => {
    const store = new MemoryAttemptStore();
    const limit = { max: 2, windowMs: MINUTE };
    expect((await store.take("k", limit, T0)).ok).toBe(true);
    expect((await store.take("k", limit, T0 + 30_000)).ok).toBe(true);
    expect(await store.take("k", limit, T0 + 59_999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect((await store.take("k", limit, T0 + MINUTE)).ok).toBe(true); // the first one expired
    expect(await store.take("k", limit, T0 + MINUTE)).toEqual({ ok: false, retryAfterMs: 30_000 });
  });

  it("gives back one attempt, resets a key, and forgets the least recently used beyond its size", async () => {
    const store = new MemoryAttemptStore(10);
    const limit = { max: 1, windowMs: MINUTE };
    const taken = await store.take("k", limit, T0);
    expect((await store.take("k", limit, T0)).ok).toBe(false);
    if (taken.ok) await store.giveBack("k", taken.at);
    expect((await store.take("k", limit, T0)).ok).toBe(true);
    await store.reset("k");
    expect((await store.take("k", limit, T0)).ok).toBe(true);
    for (let i = 0; i < 20; i++) await store.take(`other-${i}`, limit, T0);
    expect((await store.take("other-19", limit, T0)).ok).toBe(false); // recent keys are kept
  });
});

/**
 * The same rules whichever store counts: in memory, and in Redis when TEST_REDIS_URL is set. Each
 * test gets an empty store (a fresh key prefix in Redis).
 */
const stores: [string, () => AttemptStore][] = [["in memory", () => new MemoryAttemptStore()]];
let redis: Redis | undefined;
let redisStores = 0;
if (TEST_REDIS_URL) {
  stores.push([
    "in Redis",
    () => new RedisAttemptStore(redis as Redis, `login-throttle-test-${++redisStores}:`),
  ]);
} else {
  // reported as a skipped test, with the reason in its name
  describe.skip("LoginThrottle in Redis (skipped: set TEST_REDIS_URL to run)", () => {
    it("runs the LoginThrottle tests against RedisAttemptStore", () => {});
  });
}

beforeAll(async () => {
  if (TEST_REDIS_URL) redis = await openTestRedis();
});

afterAll(async () => {
  await redis?.quit();
});

describe.each(stores)("LoginThrottle %s", (_name, newStore) => {
  const newThrottle = () => new LoginThrottle(newStore());

  it("documents its numbers: 30/min per client, 10/15 min per account and client, 50/h per account, 10/15 min per device", () => {
    expect(LOGIN_LIMITS).toEqual({
      client: { max: 30, windowMs: MINUTE },
      accountAndClient: { max: 10, windowMs: 15 * MINUTE },
      account: { max: 50, windowMs: HOUR },
      device: { max: 10, windowMs: 15 * MINUTE },
    });
  });

  it("one address alone gets 10 failures per account in 15 minutes, and cannot lock out another address", async () => {
    const throttle = newThrottle();
    for (let i = 0; i < 10; i++) expect(await attempt(throttle, "owner", "attacker")).toBe("ok");
    expect(await attempt(throttle, "owner", "attacker")).toBe(`RATE_LIMITED ${15 * 60}`);
    expect(await attempt(throttle, "owner", "owner's address")).toBe("ok");
    expect(await attempt(throttle, "owner", "attacker", null, T0 + 15 * MINUTE)).toBe("ok");
  });

  it("many addresses together get 50 failures per account in any hour; then only device tokens get in", async () => {
    const throttle = newThrottle();
    let allowed = 0;
    // 200 addresses, one guess each, spread over the hour
    for (let i = 0; i < 200; i++) {
      if ((await attempt(throttle, "owner", `10.0.${i}.1`, null, T0 + i * 1000)) === "ok")
        allowed++;
    }
    expect(allowed).toBe(50);
    const refused = await attempt(throttle, "owner", "owner's address", null, T0 + 200_000);
    expect(refused).toMatch(/^RATE_LIMITED \d+$/);
    expect(Number(refused.split(" ")[1])).toBe(3600 - 200); // until the oldest failure is an hour old
    // the owner's device token: its own budget
    expect(await attempt(throttle, "owner", "owner's address", "device-1", T0 + 200_000)).toBe(
      "ok",
    );
    // an hour after the first failure, one more guess is allowed (the window slides)
    expect(await attempt(throttle, "owner", "10.9.9.9", null, T0 + HOUR)).toBe("ok");
    expect(await attempt(throttle, "owner", "10.9.9.8", null, T0 + HOUR)).toMatch(/^RATE_LIMITED/);
    // other accounts are not concerned
    expect(await attempt(throttle, "someone else", "10.0.0.1", null, T0 + 200_000)).toBe("ok");
  });

  it("a device token has its own limit of 10 failures in 15 minutes", async () => {
    const throttle = newThrottle();
    for (let i = 0; i < 10; i++) {
      expect(await attempt(throttle, "owner", `10.1.0.${i}`, "device-1")).toBe("ok");
    }
    expect(await attempt(throttle, "owner", "10.1.1.1", "device-1")).toMatch(/^RATE_LIMITED/);
    expect(await attempt(throttle, "owner", "10.1.1.1", "device-2")).toBe("ok");
  });

  it("limits failures per client address across accounts (30 a minute)", async () => {
    const throttle = newThrottle();
    for (let i = 0; i < 30; i++) expect(await attempt(throttle, `user-${i}`, "sprayer")).toBe("ok");
    expect(await attempt(throttle, "user-30", "sprayer")).toBe("RATE_LIMITED 60");
    expect(await attempt(throttle, "user-30", "sprayer", "device-1")).toBe("RATE_LIMITED 60");
  });

  it("a success is not a failure: it gives back its attempts and clears its address's count", async () => {
    const throttle = newThrottle();
    for (let i = 0; i < 9; i++) await throttle.begin("owner", "home", null, T0);
    await (await throttle.begin("owner", "home", null, T0)).succeeded();
    for (let i = 0; i < 10; i++) expect(await attempt(throttle, "owner", "home")).toBe("ok");
    expect(await attempt(throttle, "owner", "home")).toMatch(/^RATE_LIMITED/);
    // the account's ceiling still holds the 19 failures (a success does not erase them)
    let allowed = 0;
    for (let i = 0; i < 60; i++) {
      if ((await attempt(throttle, "owner", `10.2.0.${i}`)) === "ok") allowed++;
    }
    expect(allowed).toBe(50 - 19);
  });

  it("a cancelled attempt (nothing was checked) counts nothing", async () => {
    const throttle = newThrottle();
    for (let i = 0; i < 100; i++)
      await (await throttle.begin("owner", "home", null, T0)).cancelled();
    expect(await attempt(throttle, "owner", "home")).toBe("ok");
  });
});
