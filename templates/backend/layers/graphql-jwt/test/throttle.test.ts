import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Throttle } from "../src/auth/throttle.ts";
import { AppError } from "../src/errors.ts";
import { describeWithRedis, openTestRedis } from "./support/redis.ts";

describe("Throttle (in memory)", () => {
  it("allows max attempts per window, then RATE_LIMITED with retryAfter", async () => {
    const throttle = new Throttle(3, 60_000);
    for (let i = 0; i < 3; i++) await throttle.hit("a");
    const error = await throttle.hit("a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("RATE_LIMITED");
    expect((error as AppError).retryAfter).toBeGreaterThanOrEqual(1);
    expect((error as AppError).retryAfter).toBeLessThanOrEqual(60);
    // other keys are unaffected
    await expect(throttle.hit("b")).resolves.toBeUndefined();
  });
});

describeWithRedis("Throttle in Redis", () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await openTestRedis();
  });

  afterAll(async () => {
    await redis?.quit();
  });

  it("is shared: two throttles (two replicas) on one Redis count together", async () => {
    const [a, b] = [new Throttle(3, 60_000, redis, "t:"), new Throttle(3, 60_000, redis, "t:")];
    await a.hit("ip");
    await b.hit("ip");
    await a.hit("ip");
    await expect(b.hit("ip")).rejects.toMatchObject({ code: "RATE_LIMITED" });
    await expect(a.hit("other ip")).resolves.toBeUndefined();
  });
});
