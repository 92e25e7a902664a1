import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AttemptStore, MemoryAttemptStore } from "../src/auth/attempts.ts";
import { FallbackAttemptStore, loginAttemptStore } from "../src/auth/fallback-attempt-store.ts";
import { RedisAttemptStore } from "../src/auth/redis-attempt-store.ts";
import { describeWithRedis, isolatedRedisUrl, openTestRedis, RedisProxy } from "./support/redis.ts";

const MINUTE = 60_000;
const T0 = 1_000_000_000;
const limit = { max: 2, windowMs: MINUTE };

/** A shared store that is down: every call fails, as Redis commands do during an outage. */
class DownStore implements AttemptStore {
  calls = 0;
  async take(): Promise<never> {
    this.calls++;
    throw new Error("Connection is closed.");
  }
  async giveBack(): Promise<never> {
    this.calls++;
    throw new Error("Connection is closed.");
  }
  async reset(): Promise<never> {
    this.calls++;
    throw new Error("Connection is closed.");
  }
}

describe("FallbackAttemptStore", () => {
  it("without Redis, the process counts in memory", () => {
    expect(loginAttemptStore(null)).toBeInstanceOf(MemoryAttemptStore);
  });

  it("the shared store down: counts in this process's memory, with the same limits", async () => {
    const shared = new DownStore();
    const store = new FallbackAttemptStore(shared);
    const first = await store.take("k", limit, T0);
    expect(first.ok).toBe(true);
    expect((await store.take("k", limit, T0)).ok).toBe(true);
    expect(await store.take("k", limit, T0 + 1000)).toEqual({ ok: false, retryAfterMs: 59_000 });
    // giving back and resetting never fail because the shared store does
    if (first.ok) await store.giveBack("k", first.at);
    expect((await store.take("k", limit, T0 + 1000)).ok).toBe(true);
    await store.reset("k");
    expect((await store.take("k", limit, T0 + 1000)).ok).toBe(true);
    expect(shared.calls).toBe(7);
  });
});

describeWithRedis("RedisAttemptStore", () => {
  let redis: Redis;
  let keys = 0;
  const newStore = () => new RedisAttemptStore(redis, `attempts-test-${++keys}:`);

  beforeAll(async () => {
    redis = await openTestRedis();
  });

  afterAll(async () => {
    await redis?.quit();
  });

  it("slides its window: an attempt counts for exactly windowMs", async () => {
    const store = newStore();
    expect((await store.take("k", limit, T0)).ok).toBe(true);
    expect((await store.take("k", limit, T0 + 30_000)).ok).toBe(true);
    expect(await store.take("k", limit, T0 + 59_999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect((await store.take("k", limit, T0 + MINUTE)).ok).toBe(true); // the first one expired
    expect(await store.take("k", limit, T0 + MINUTE)).toEqual({ ok: false, retryAfterMs: 30_000 });
  });

  it("counts two attempts in the same millisecond, gives back one, resets a key", async () => {
    const store = newStore();
    const taken = await store.take("k", limit, T0);
    expect((await store.take("k", limit, T0)).ok).toBe(true);
    expect((await store.take("k", limit, T0)).ok).toBe(false);
    if (taken.ok) await store.giveBack("k", taken.at);
    expect((await store.take("k", limit, T0)).ok).toBe(true);
    expect((await store.take("k", limit, T0)).ok).toBe(false);
    await store.reset("k");
    expect((await store.take("k", limit, T0)).ok).toBe(true);
  });

  it("is shared: two stores (two replicas) on one Redis count the same attempts", async () => {
    const url = isolatedRedisUrl();
    const [one, two] = [await openTestRedis(url), await openTestRedis(url)];
    try {
      const [a, b] = [new RedisAttemptStore(one), new RedisAttemptStore(two)];
      expect((await a.take("k", limit, T0)).ok).toBe(true);
      expect((await b.take("k", limit, T0)).ok).toBe(true);
      expect((await a.take("k", limit, T0)).ok).toBe(false);
    } finally {
      await one.quit();
      await two.quit();
    }
  });

  it("Redis down: fails fast to memory; Redis back: counts there again, without a restart", async () => {
    const proxy = await RedisProxy.start();
    const url = new URL(proxy.url());
    url.search = new URL(isolatedRedisUrl()).search;
    const client = await openTestRedis(url.href);
    const store = new FallbackAttemptStore(new RedisAttemptStore(client, "outage:"));
    try {
      expect((await store.take("k", limit, T0)).ok).toBe(true);
      await proxy.cut();
      // counted in memory: one more is allowed there, then none
      expect((await store.take("k", limit, T0)).ok).toBe(true);
      expect((await store.take("k", limit, T0)).ok).toBe(true);
      expect((await store.take("k", limit, T0)).ok).toBe(false);
      await proxy.restore();
      await vi.waitFor(() => expect(client.status).toBe("ready"), { timeout: 15_000 });
      // Redis holds the one attempt taken before the outage: one more is allowed, then none
      expect((await store.take("k", limit, T0)).ok).toBe(true);
      expect((await store.take("k", limit, T0)).ok).toBe(false);
    } finally {
      client.disconnect();
      await proxy.cut();
    }
  });
});
