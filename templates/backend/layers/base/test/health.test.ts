import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { createTestApp, testConfig } from "./support/app.ts";
import { openOwnTestDatabase } from "./support/database.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

function expectProblem(
  response: { headers: Record<string, unknown>; json: () => unknown },
  status: number,
) {
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["detail", "status", "title", "type"]);
  expect(body.status).toBe(status);
  return body;
}

describe("probes", () => {
  it("GET /health answers 200 {status: ok}", async () => {
    const response = await t.app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  it("GET /ready answers 200 when the database answers", async () => {
    const response = await t.app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  it("GET /ready answers 503 when the database does not", async () => {
    const db = await openOwnTestDatabase();
    const app = await buildApp({ config: await testConfig(), database: db, logger: false });
    await db.close();
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    const health = await app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(200);
    await app.close();
  });

  it("probes are not rate limited", async () => {
    const response = await t.app.inject({ method: "GET", url: "/health" });
    expect(response.headers["x-ratelimit-limit"]).toBeUndefined();
  });
});

describe("errors and headers", () => {
  it("an unknown route is a 404 problem document", async () => {
    const response = await t.app.inject({ method: "GET", url: "/nope?x=1" });
    expect(response.statusCode).toBe(404);
    expectProblem(response, 404);
  });

  it("sets security headers, on errors too, and no x-powered-by", async () => {
    for (const url of ["/health", "/nope"]) {
      const response = await t.app.inject({ method: "GET", url });
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(response.headers["referrer-policy"]).toBe("no-referrer");
      expect(response.headers["x-powered-by"]).toBeUndefined();
      // HSTS only in production
      expect(response.headers["strict-transport-security"]).toBeUndefined();
    }
  });

  it("allows no cross-origin access by default", async () => {
    for (const origin of ["https://evil.example", "null"]) {
      const simple = await t.app.inject({ method: "GET", url: "/health", headers: { origin } });
      expect(simple.headers["access-control-allow-origin"]).toBeUndefined();
      const preflight = await t.app.inject({
        method: "OPTIONS",
        url: "/health",
        headers: { origin, "access-control-request-method": "POST" },
      });
      expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });
});

describe("graceful shutdown", () => {
  it("close() lets an in-flight request finish, then stops listening", async () => {
    // on the file's database, which this app does not close
    const app = await buildApp({ config: await testConfig(), database: t.db, logger: false });
    // The handler signals when it is entered and waits until close() has stopped the listener,
    // so the request is in flight when close() starts, whatever the machine's load.
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get("/slow", async () => {
      entered();
      await released;
      return { done: true };
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await inHandler;
    const closing = app.close();
    // Let the handler finish only once close() has stopped accepting connections.
    while (app.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});

describe("CORS_ORIGIN", () => {
  it("allows exactly the listed origins", async () => {
    const app = await buildApp({
      config: await testConfig({ CORS_ORIGIN: "https://good.example" }),
      database: t.db,
      logger: false,
    });
    const good = await app.inject({
      method: "GET",
      url: "/health",
      headers: { origin: "https://good.example" },
    });
    expect(good.headers["access-control-allow-origin"]).toBe("https://good.example");
    expect(good.headers.vary).toContain("Origin");
    for (const origin of ["https://good.example.evil.com", "https://evil.example", "null"]) {
      const bad = await app.inject({ method: "GET", url: "/health", headers: { origin } });
      expect(bad.headers["access-control-allow-origin"]).toBeUndefined();
    }
    await app.close();
  });
});
