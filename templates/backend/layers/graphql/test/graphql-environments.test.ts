import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE } from "../src/graphql/errors.ts";
import { createTestApp } from "./support/app.ts";
import { openOwnTestDatabase } from "./support/database.ts";
import { gql } from "./support/graphql.ts";
import { newSession } from "./support/session.ts";

describe("in production", () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    t = await createTestApp({ NODE_ENV: "production" });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("turns introspection off", async () => {
    for (const query of [
      "{ __schema { types { name } } }",
      '{ __type(name: "Note") { fields { name } } }',
    ]) {
      const result = await gql(t.app, query);
      expect(result.statusCode).toBe(400);
      expect(result.data).toBeNull();
      expect(result.codes[0]).toBe("GRAPHQL_VALIDATION_FAILED");
    }
    expect((await gql(t.app, "{ __typename }")).data).toEqual({ __typename: "Query" });
  });

  it("does not serve GraphiQL", async () => {
    for (const url of ["/graphiql", "/graphiql/assets/graphiql.js", "/graphiql/assets/init.js"]) {
      expect((await t.app.inject({ method: "GET", url })).statusCode).toBe(404);
    }
  });

  it("gives no field suggestions", async () => {
    const result = await gql(t.app, "{ note { id } notez }");
    expect(result.codes.length).toBeGreaterThan(0);
    for (const error of result.errors ?? []) expect(error.message).not.toMatch(/Did you mean/);
  });
});

describe("in development", () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    t = await createTestApp({ NODE_ENV: "development" });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("serves GraphiQL and all of its files itself, under the app's CSP", async () => {
    const page = await t.app.inject({ method: "GET", url: "/graphiql" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    // no inline script and nothing from another origin
    expect(page.body).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page.body).not.toMatch(/https?:\/\//);
    const assets = [...page.body.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(assets).toHaveLength(4);
    for (const url of assets) {
      const asset = await t.app.inject({ method: "GET", url });
      expect(asset.statusCode, url).toBe(200);
      expect(asset.headers["content-type"]).toMatch(/^text\/(javascript|css)/);
      expect(asset.body.length).toBeGreaterThan(10);
    }
    expect(
      (await t.app.inject({ method: "GET", url: "/graphiql/assets/nope.js" })).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: "GET", url: "/graphiql/assets/..%2fpackage.json" })).statusCode,
    ).toBe(404);
  });

  it("suggests field names", async () => {
    const result = await gql(t.app, "{ notez }");
    expect(result.errors?.[0]?.message).toMatch(/Did you mean .*"notes"/);
  });
});

describe("unexpected errors", () => {
  it("are masked: a generic message, no stack, no SQL", async () => {
    const db = await openOwnTestDatabase();
    const t = await createTestApp({}, db);
    try {
      const headers = await newSession(t.app);
      await db.close(); // every query now fails inside the database driver
      const result = await gql(
        t.app,
        `{ notes { items { id } } note(id: "00000000-0000-4000-8000-000000000000") { id } }`,
        {},
        headers,
      );
      expect(result.data).toBeNull();
      expect(result.errors?.length).toBeGreaterThan(0);
      for (const error of result.errors ?? []) {
        // "Service unavailable" when the driver reports a lost connection
        expect([INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE]).toContain(error.message);
        expect(["INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"]).toContain(error.extensions?.code);
        expect(Object.keys(error.extensions ?? {})).toEqual(["code"]);
      }
      const text = JSON.stringify(result.errors?.map((error) => [error.message, error.extensions]));
      expect(text).not.toMatch(/select|from |stack|pglite|pool|drizzle|closed/i);
    } finally {
      await t.close();
    }
  });
});

describe("the global rate limit", () => {
  it("answers /graphql with 429, Retry-After and TOO_MANY_REQUESTS", async () => {
    const t = await createTestApp({ RATE_LIMIT_MAX: "3" });
    try {
      for (let i = 0; i < 3; i++) expect((await gql(t.app, "{ __typename }")).statusCode).toBe(200);
      const limited = await gql(t.app, "{ __typename }");
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
      expect(limited.codes).toEqual(["TOO_MANY_REQUESTS"]);
    } finally {
      await t.close();
    }
  });
});
