/**
 * Hostile requests to /graphql that the other GraphQL tests do not already cover: documents far
 * over the limits, hostile JSON and content types, mass assignment through input types, what the
 * schema exposes, and what production hides.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/app.ts";
import { gql } from "./support/graphql.ts";
import { newSession } from "./support/session.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let prod: Awaited<ReturnType<typeof createTestApp>>;
let headers: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_MAX: "100000" });
  prod = await createTestApp({ NODE_ENV: "production" }, t.db);
  headers = await newSession(t.app);
});

afterAll(async () => {
  await prod?.close();
  await t?.close();
});

const post = (payload: string, type = "application/json", app = t.app) =>
  app.inject({
    method: "POST",
    url: "/graphql",
    headers: { ...headers, "content-type": type },
    payload,
  });

describe("documents far over the limits are refused before anything runs", () => {
  it("100 levels deep, 500 aliases, 1000 directives: refused with an error and no data", async () => {
    const deep = `{ __type(name: "Note") { ${"ofType { ".repeat(98)}name${" }".repeat(98)} } }`;
    const aliases = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    const directives = `{ __typename ${"@include(if: true) ".repeat(1000)}}`;
    for (const query of [deep, aliases, directives]) {
      const result = await gql(t.app, query, undefined, headers);
      expect(result.statusCode).toBe(400);
      expect(result.data ?? null).toBeNull();
      expect(result.codes.length).toBeGreaterThan(0);
    }
  });

  it("a batch of 100 operations gets no results", async () => {
    const response = await post(
      JSON.stringify(Array.from({ length: 100 }, () => ({ query: "{ __typename }" }))),
    );
    expect(response.statusCode).toBe(400);
    expect(Array.isArray(response.json())).toBe(false);
  });

  it("list sizes are bounded", async () => {
    const result = await gql(t.app, "{ notes(limit: 100000) { nextCursor } }", undefined, headers);
    expect(result.codes).toContain("BAD_USER_INPUT");
  });
});

describe("input and output types: no mass assignment, no hidden fields", () => {
  it("extra input fields (ownerId, id, createdAt) are refused and nothing is created", async () => {
    for (const extra of [
      'ownerId: "00000000-0000-4000-8000-000000000000"',
      'id: "00000000-0000-4000-8000-000000000000"',
      'createdAt: "1970-01-01T00:00:00Z"',
    ]) {
      const result = await gql(
        t.app,
        `mutation { createNote(input: {title: "mass", body: "", ${extra}}) { id } }`,
        undefined,
        headers,
      );
      expect(result.data ?? null).toBeNull();
      expect(result.codes[0]).toBe("GRAPHQL_VALIDATION_FAILED");
    }
    const variables = await gql(
      t.app,
      "mutation ($input: CreateNoteInput!) { createNote(input: $input) { id } }",
      { input: { title: "mass", body: "", ownerId: "x" } },
      headers,
    );
    expect(variables.data ?? null).toBeNull();
    const list = await gql<{ notes: { items: { title: string }[] } }>(
      t.app,
      "{ notes(limit: 100) { items { title } } }",
      undefined,
      headers,
    );
    expect(list.data?.notes.items.map((n) => n.title)).not.toContain("mass");
  });

  it("the schema exposes no password, hash or owner field", async () => {
    const result = await gql<{ __schema: { types: { name: string; fields: unknown }[] } }>(
      t.app,
      "{ __schema { types { name fields { name } inputFields { name } } } }",
    );
    const text = JSON.stringify(result.data);
    expect(text.length).toBeGreaterThan(100);
    expect(text).not.toMatch(/password(hash)?"|passwordHash|hash"|owner/i);
  });
});

describe("hostile bodies and content types", () => {
  it("deep or poisoned JSON and variables are 400, and the process lives on", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    for (const payload of [
      `{"query":"{ __typename }","variables":${deep}}`,
      `{"query":${deep}}`,
      '{"query":"{ __typename }","__proto__":{"isAdmin":true}}',
      '{"query":"{ __typename }","variables":{"constructor":{"prototype":{"isAdmin":true}}}}',
      '{"query":',
    ]) {
      const response = await post(payload);
      expect(response.statusCode, payload.slice(0, 60)).toBe(400);
      expect(response.body).not.toMatch(/RangeError|stack|node_modules/);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((await gql(t.app, "{ __typename }")).data).toEqual({ __typename: "Query" });
  });

  it("a body of the wrong shape is 400 BAD_REQUEST, not an internal error", async () => {
    for (const payload of ['{"query":123}', '{"query":"{ __typename }","variables":"x"}', "[]"]) {
      const response = await post(payload);
      expect(response.statusCode, payload).toBe(400);
      expect(response.json().errors[0].extensions.code, payload).toBe("BAD_REQUEST");
    }
  });

  it("anything but JSON is 415 (no CSRF through a simple form or text/plain POST)", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
    ]) {
      const response = await post('{"query":"{ __typename }"}', type);
      expect(response.statusCode, type).toBe(415);
    }
  });

  it("a query sent as application/graphql must be UTF-8 too", async () => {
    expect((await post("{ __typename }", "application/graphql")).statusCode).toBe(200);
    const utf16 = await post("{ __typename }", "application/graphql; charset=utf-16");
    expect(utf16.statusCode).toBe(415);
  });
});

describe("in production", () => {
  it("no introspection, no suggestions, no GraphiQL, no internals in errors", async () => {
    const introspection = await gql(prod.app, '{ __type(name: "Note") { fields { name } } }');
    expect(introspection.statusCode).toBe(400);
    const typo = await gql(prod.app, "{ meh notez }");
    expect(JSON.stringify(typo.errors)).not.toMatch(/Did you mean|notes/);
    expect((await prod.app.inject({ method: "GET", url: "/graphiql" })).statusCode).toBe(404);
    const syntax = await post("{", "application/json", prod.app);
    expect(syntax.statusCode).toBe(400);
    expect(syntax.body).not.toMatch(/stack|node_modules|\.ts:\d+|\.js:\d+/);
  });
});
