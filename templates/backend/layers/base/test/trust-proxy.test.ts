import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configProblems, createTestApp } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";

type TestApp = Awaited<ReturnType<typeof createTestApp>>;

// The apps differ in TRUST_PROXY and count requests in their own memory: one database serves them.
let database: TestApp["db"];
const apps: TestApp[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  for (const t of apps) await t.close();
  await database?.close();
});

async function start(trustProxy: string) {
  const t = await createTestApp({ RATE_LIMIT_MAX: "2", TRUST_PROXY: trustProxy }, database);
  apps.push(t);
  return t;
}

/** A request that reaches the app from a proxy at 10.0.0.1, forwarding for `client`. */
function viaProxy(t: TestApp, client: string) {
  return t.app.inject({
    method: "GET",
    url: "/no-such-route",
    remoteAddress: "10.0.0.1",
    headers: { "x-forwarded-for": client },
  });
}

describe("the client address behind reverse proxies (TRUST_PROXY)", () => {
  it("1: each forwarded client has its own rate limit", async () => {
    const t = await start("1");
    expect((await viaProxy(t, "203.0.113.7")).statusCode).toBe(404);
    expect((await viaProxy(t, "203.0.113.7")).statusCode).toBe(404);
    expect((await viaProxy(t, "203.0.113.7")).statusCode).toBe(429);
    expect((await viaProxy(t, "198.51.100.9")).statusCode).toBe(404);
  });

  it("1: only the last hop counts, so a client cannot prepend an address of its choosing", async () => {
    const t = await start("1");
    for (const spoofed of ["1.1.1.1", "2.2.2.2"]) {
      expect((await viaProxy(t, `${spoofed}, 203.0.113.7`)).statusCode).toBe(404);
    }
    expect((await viaProxy(t, "3.3.3.3, 203.0.113.7")).statusCode).toBe(429);
  });

  it("0 (the default): X-Forwarded-For is ignored, the connection's address is the client", async () => {
    const t = await start("0");
    expect((await viaProxy(t, "203.0.113.1")).statusCode).toBe(404);
    expect((await viaProxy(t, "203.0.113.2")).statusCode).toBe(404);
    expect((await viaProxy(t, "203.0.113.3")).statusCode).toBe(429);
  });

  it("refuses a value that is not a small count of proxies", async () => {
    for (const value of ["-1", "yes", "11"]) {
      expect(await configProblems({ TRUST_PROXY: value })).toEqual([
        expect.stringMatching(/^TRUST_PROXY .*number of reverse proxies/),
      ]);
    }
  });
});
