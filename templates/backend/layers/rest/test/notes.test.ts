import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { createTestApp, testConfig } from "./support/app.ts";
import { openOwnTestDatabase } from "./support/database.ts";
import { newSession } from "./support/session.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let headers: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  headers = await newSession(t.app);
});

afterAll(async () => {
  await t?.close();
});

const inject = (options: InjectOptions) =>
  t.app.inject({ ...options, headers: { ...headers, ...options.headers } });

async function createNote(title: string, body = "") {
  const response = await inject({ method: "POST", url: "/notes", payload: { title, body } });
  expect(response.statusCode).toBe(201);
  return response.json() as {
    id: string;
    title: string;
    body: string;
    createdAt: string;
    updatedAt: string;
  };
}

function expectProblem(response: Awaited<ReturnType<typeof inject>>, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(Object.keys(body).sort()).toEqual(["detail", "status", "title", "type"]);
  expect(body.status).toBe(status);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+|node_modules|SELECT|stack/i);
}

describe("notes CRUD", () => {
  it("creates, reads, updates and deletes a note", async () => {
    const note = await createNote("First", "hello");
    expect(note).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: "First",
      body: "hello",
      createdAt: expect.any(String),
      updatedAt: note.createdAt,
    });
    expect(new Date(note.createdAt).toISOString()).toBe(note.createdAt);

    const read = await inject({ method: "GET", url: `/notes/${note.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(note);
    expect(read.headers["cache-control"]).toBe("no-store");

    const patched = await inject({
      method: "PATCH",
      url: `/notes/${note.id}`,
      payload: { body: "changed" },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: note.id, title: "First", body: "changed" });
    expect(patched.json().updatedAt >= note.updatedAt).toBe(true);

    const deleted = await inject({ method: "DELETE", url: `/notes/${note.id}` });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe("");
    expectProblem(await inject({ method: "GET", url: `/notes/${note.id}` }), 404);
    expectProblem(await inject({ method: "DELETE", url: `/notes/${note.id}` }), 404);
  });

  it("an id of the wrong shape is 404, never 500", async () => {
    for (const id of ["abc", "' OR 1=1--", "%00", "ffffffffffffffffffffffff", "x".repeat(90)]) {
      for (const method of ["GET", "PATCH", "DELETE"] as const) {
        const response = await inject({
          method,
          url: `/notes/${encodeURIComponent(id)}`,
          ...(method === "PATCH" ? { payload: { title: "x" } } : {}),
        });
        expectProblem(response, 404);
      }
    }
    expectProblem(await inject({ method: "GET", url: `/notes/${"x".repeat(5_000)}` }), 404);
  });

  it("validates bodies: lengths, types, unknown fields", async () => {
    const bad = [
      {},
      { title: "" },
      { title: "x".repeat(201), body: "" },
      { title: "t", body: "x".repeat(10_001) },
      { title: 123, body: "" },
      { title: ["a"], body: "" },
      { title: "t", body: "", ownerId: "someone" },
      { title: "t", body: "", id: "00000000-0000-4000-8000-000000000000" },
    ];
    for (const payload of bad) {
      expectProblem(await inject({ method: "POST", url: "/notes", payload }), 400);
    }
    const note = await createNote("Valid");
    expectProblem(
      await inject({
        method: "PATCH",
        url: `/notes/${note.id}`,
        payload: { createdAt: "1970-01-01" },
      }),
      400,
    );
    expectProblem(
      await inject({ method: "PATCH", url: `/notes/${note.id}`, payload: { title: "" } }),
      400,
    );
    expect((await createNote("x".repeat(200), "y".repeat(10_000))).title).toHaveLength(200);
  });
});

describe("request parsing", () => {
  it("rejects a body over 1 MiB with 413", async () => {
    const response = await inject({
      method: "POST",
      url: "/notes",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ title: "big", body: "x".repeat(1_048_576) }),
    });
    expectProblem(response, 413);
  });

  it("rejects other content types with 415", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/xml",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
    ]) {
      const response = await inject({
        method: "POST",
        url: "/notes",
        headers: { "content-type": type },
        payload: '{"title":"t","body":""}',
      });
      expectProblem(response, 415);
    }
  });

  it("rejects malformed JSON and prototype poisoning with 400", async () => {
    for (const payload of [
      '{"title":',
      "{'title':'t'}",
      '{"title":"t",}',
      "",
      '{"__proto__":{"x":1},"title":"t","body":""}',
      '{"constructor":{"prototype":{"x":1}},"title":"t","body":""}',
    ]) {
      const response = await inject({
        method: "POST",
        url: "/notes",
        headers: { "content-type": "application/json" },
        payload,
      });
      expectProblem(response, 400);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("pagination", () => {
  it("pages newest first with an opaque cursor, never repeating or skipping", async () => {
    const fresh = await createTestApp();
    const h = await newSession(fresh.app);
    const created: string[] = [];
    for (let i = 0; i < 23; i++) {
      const response = await fresh.app.inject({
        method: "POST",
        url: "/notes",
        headers: h,
        payload: { title: `n${i}`, body: "" },
      });
      created.push(response.json().id);
    }
    const first = await fresh.app.inject({ method: "GET", url: "/notes", headers: h });
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toHaveLength(20); // default limit
    expect(first.json().nextCursor).toEqual(expect.any(String));

    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/notes?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await fresh.app.inject({ method: "GET", url, headers: h });
      expect(page.statusCode).toBe(200);
      const body = page.json() as {
        items: { id: string; createdAt: string }[];
        nextCursor: string | null;
      };
      expect(body.items.length).toBeLessThanOrEqual(7);
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(23);
    expect(new Set(seen.map((n) => n.id)).size).toBe(23);
    expect(new Set(seen.map((n) => n.id))).toEqual(new Set(created));
    for (let i = 1; i < seen.length; i++) {
      const a = seen[i - 1];
      const b = seen[i];
      if (!a || !b) continue;
      expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id)).toBe(true);
    }
    await fresh.close();
  });

  it("limit is 1..100, else 400; a bad cursor is 400; unknown query parameters are 400", async () => {
    for (const query of [
      "limit=0",
      "limit=101",
      "limit=-1",
      "limit=abc",
      "limit=1e9",
      "limit=1.5",
      "cursor=%%%",
      "cursor=bm9wZQ",
      "sort=title",
      "__proto__[x]=1",
    ]) {
      expectProblem(await inject({ method: "GET", url: `/notes?${query}` }), 400);
    }
    for (const limit of [1, 100]) {
      expect((await inject({ method: "GET", url: `/notes?limit=${limit}` })).statusCode).toBe(200);
    }
  });
});

describe("database outage", () => {
  it("API calls answer 503 problem+json, /health stays 200", async () => {
    const db = await openOwnTestDatabase();
    const app = await buildApp({ config: await testConfig(), database: db, logger: false });
    const h = await newSession(app);
    await db.close();
    const response = await app.inject({ method: "GET", url: "/notes", headers: h });
    expect(response.statusCode).toBe(503);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.body).not.toMatch(/ECONN|pool|PGlite|mongo/i);
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    await app.close();
  });
});

describe("rate limit", () => {
  it("answers 429 problem+json with Retry-After beyond RATE_LIMIT_MAX", async () => {
    const limited = await createTestApp({ RATE_LIMIT_MAX: "3" }, t.db);
    const h = await newSession(limited.app); // may use up some of the budget (register)
    let last = await limited.app.inject({ method: "GET", url: "/notes", headers: h });
    for (let i = 0; i < 4 && last.statusCode !== 429; i++) {
      last = await limited.app.inject({ method: "GET", url: "/notes", headers: h });
    }
    expect(last.statusCode).toBe(429);
    expect(last.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(Number(last.headers["retry-after"])).toBeGreaterThan(0);
    expect((await limited.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    await limited.close();
  });
});

describe("OpenAPI and docs", () => {
  it("serves an OpenAPI 3.1 document listing every route", async () => {
    const response = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["x-ratelimit-limit"]).toBeDefined(); // rate-limited like every route
    const doc = response.json();
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of [
      "GET /health",
      "GET /ready",
      "GET /notes",
      "POST /notes",
      "GET /notes/{id}",
      "PATCH /notes/{id}",
      "DELETE /notes/{id}",
    ]) {
      expect(routes).toContain(route);
    }
  });

  it("bounds every input and output and documents the error answers (OWASP API4, API8)", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/openapi.json" })).json();
    const unbounded: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) {
        for (const [i, item] of node.entries()) walk(item, `${at}[${i}]`);
        return;
      }
      if (!node || typeof node !== "object") return;
      const schema = node as Record<string, unknown>;
      if (schema.type === "string" && schema.maxLength === undefined && !schema.enum) {
        unbounded.push(`${at}: string without maxLength`);
      }
      if (schema.type === "array" && schema.maxItems === undefined) {
        unbounded.push(`${at}: array without maxItems`);
      }
      if (schema.type === "object" && schema.additionalProperties !== false) {
        unbounded.push(`${at}: object without additionalProperties: false`);
      }
      for (const [key, value] of Object.entries(schema)) walk(value, `${at}.${key}`);
    };
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path !== "/health" && path !== "/ready") // not rate-limited, no database
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(0);
    for (const { path, method, op } of operations) {
      walk(op, `${method.toUpperCase()} ${path}`);
      const responses = (
        op as { responses: Record<string, { headers?: object; content?: object }> }
      ).responses;
      for (const status of ["429", "500", "503"]) {
        expect(
          Object.keys(responses[status]?.content ?? {}),
          `${method} ${path} ${status}`,
        ).toEqual(["application/problem+json"]);
      }
      for (const [status, response] of Object.entries(responses)) {
        if (/^[24]/.test(status)) {
          expect(response.headers, `${method} ${path} ${status}`).toHaveProperty(
            "X-RateLimit-Limit",
          );
        }
      }
    }
    expect(unbounded).toEqual([]);
  });

  it("serves the docs page and all of its files itself, under the app's CSP", async () => {
    const page = await t.app.inject({ method: "GET", url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(String(page.headers["content-security-policy"])).toMatch(/script-src 'self'(;|$)/);
    // no inline script and nothing from another origin
    expect(page.body).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page.body).not.toMatch(/https?:\/\//);
    const assets = [...page.body.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(assets).toHaveLength(3);
    const bodies: string[] = [];
    for (const url of assets) {
      const asset = await t.app.inject({ method: "GET", url });
      expect(asset.statusCode, url).toBe(200);
      expect(asset.headers["content-type"]).toMatch(/^text\/(javascript|css)/);
      bodies.push(asset.body);
    }
    // Swagger UI itself, started on this server's document
    expect(bodies.join("\n")).toContain("SwaggerUIBundle");
    expect(bodies.join("\n")).toContain('url: "/openapi.json"');
    expect((await t.app.inject({ method: "GET", url: "/docs/assets/nope.js" })).statusCode).toBe(
      404,
    );
    expect(
      (await t.app.inject({ method: "GET", url: "/docs/assets/..%2fpackage.json" })).statusCode,
    ).toBe(404);
  });
});
