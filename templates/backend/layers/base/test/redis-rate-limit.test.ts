import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configProblems, createTestApp } from "./support/app.ts";
import { describeWithRedis, isolatedRedisUrl, RedisProxy } from "./support/redis.ts";

type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** A route that every combination has and that the global limit counts: an unknown path. */
const get = (t: TestApp) => t.app.inject({ method: "GET", url: "/no-such-route" });

describe("REDIS_URL", () => {
  it("is optional: unset, limits stay in this process", async () => {
    expect(await configProblems({ NODE_ENV: "test" })).toEqual([]);
  });

  it("a bad one is one line naming REDIS_URL and what it should look like", async () => {
    for (const bad of ["localhost:6379", "http://127.0.0.1:6379", "redis://:s3cret@"]) {
      const problems = await configProblems({ NODE_ENV: "test", REDIS_URL: bad });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^REDIS_URL must be a Redis URL such as redis:\/\/127\.0\.0\.1:6379/,
      );
      expect(problems[0]).not.toContain("s3cret"); // never the value: it may hold a password
    }
  });
});

describeWithRedis("the global rate limit through Redis", () => {
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string>) => {
    const t = await createTestApp({ RATE_LIMIT_MAX: "3", ...env });
    apps.push(t);
    return t;
  };
  let proxy: RedisProxy;

  beforeAll(async () => {
    proxy = await RedisProxy.start();
  });

  afterAll(async () => {
    for (const t of apps) await t.close();
    await proxy?.cut();
  });

  it("is shared by every replica: two apps on one Redis allow RATE_LIMIT_MAX together", async () => {
    const url = isolatedRedisUrl();
    const [a, b] = [await start({ REDIS_URL: url }), await start({ REDIS_URL: url })];
    expect((await get(a)).statusCode).toBe(404);
    expect((await get(b)).statusCode).toBe(404);
    expect((await get(a)).statusCode).toBe(404);
    const refused = await get(b);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("Redis down: limits hold per process, /ready says degraded (200); back: shared again, no restart", async () => {
    const prefix = isolatedRedisUrl();
    const viaProxy = new URL(proxy.url());
    viaProxy.search = new URL(prefix).search; // the same key prefix through the proxy
    const a = await start({ REDIS_URL: viaProxy.href });
    const b = await start({ REDIS_URL: prefix });
    expect((await a.app.inject({ method: "GET", url: "/ready" })).json()).toEqual({ status: "ok" });

    await proxy.cut();
    // Requests are answered at once, from this process's own counts.
    for (let i = 0; i < 3; i++) expect((await get(a)).statusCode).toBe(404);
    expect((await get(a)).statusCode).toBe(429);
    const ready = await a.app.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "degraded", redis: "unavailable" });

    await proxy.restore();
    await vi.waitFor(
      async () => {
        const body = (await a.app.inject({ method: "GET", url: "/ready" })).json();
        expect(body).toEqual({ status: "ok" });
      },
      { timeout: 15_000, interval: 100 },
    );
    // Redis held none of the outage's counts: the first request is allowed again (in memory it
    // would be the fifth, refused), and the other app counts with it.
    expect((await get(a)).statusCode).toBe(404);
    expect((await get(b)).statusCode).toBe(404);
    expect((await get(b)).statusCode).toBe(404);
    expect((await get(a)).statusCode).toBe(429);
  });
});
