import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limits } from "../src/graphql/limits.ts";
import { createTestApp } from "./support/app.ts";
import { gql } from "./support/graphql.ts";
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

/** `{ __type(name: "Note") { ofType { ofType { … name } } } }`, `depth` levels deep. */
function deepQuery(depth: number) {
  const inner = depth - 2; // __type and name are two levels
  return `{ __type(name: "Note") { ${"ofType { ".repeat(inner)}name${" }".repeat(inner)} } }`;
}

const aliased = (count: number, field: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(" ")} }`;

describe("GraphQL limits", () => {
  it("serves the standard introspection query in development (GraphiQL needs it)", async () => {
    const result = await gql<{ __schema: { types: unknown[] } }>(t.app, getIntrospectionQuery());
    expect(result.errors).toBeUndefined();
    expect(result.data?.__schema.types.length).toBeGreaterThan(5);
  });

  it(`limits depth to ${limits.depth} levels, introspection included`, async () => {
    const ok = await gql(t.app, deepQuery(limits.depth));
    expect(ok.errors).toBeUndefined();
    const tooDeep = await gql(t.app, deepQuery(limits.depth + 1));
    expect(tooDeep.statusCode).toBe(400);
    expect(tooDeep.data).toBeNull();
    expect(tooDeep.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(tooDeep.errors?.[0]?.message).toMatch(/depth/);
  });

  it(`refuses more than ${limits.aliases} aliases, without running any resolver`, async () => {
    const ok = await gql(
      t.app,
      aliased(limits.aliases, "notes(limit: 1) { nextCursor }"),
      {},
      headers,
    );
    expect(ok.errors).toBeUndefined();
    const many = await gql(
      t.app,
      aliased(limits.aliases + 1, "notes(limit: 1) { nextCursor }"),
      {},
      headers,
    );
    expect(many.statusCode).toBe(400);
    expect(many.data).toBeNull();
    expect(many.codes).toContain("GRAPHQL_VALIDATION_FAILED");
    expect(many.errors?.[0]?.message).toMatch(/aliases/);
  });

  it("runs nothing from a refused document", async () => {
    const creates = Array.from(
      { length: limits.aliases + 1 },
      (_, i) => `c${i}: createNote(input: { title: "refused", body: "" }) { id }`,
    ).join(" ");
    const refused = await gql(t.app, `mutation { ${creates} }`, {}, headers);
    expect(refused.statusCode).toBe(400);
    const list = await gql<{ notes: { items: { title: string }[] } }>(
      t.app,
      "{ notes(limit: 100) { items { title } } }",
      {},
      headers,
    );
    expect(list.data?.notes.items.map((note) => note.title)).not.toContain("refused");
  });

  it("refuses hundreds of aliased lists (parser token limit before anything runs)", async () => {
    const result = await gql(
      t.app,
      aliased(500, "notes(limit: 100) { items { id title body } }"),
      {},
      headers,
    );
    expect(result.statusCode).toBe(400);
    expect(result.data).toBeNull();
    expect(result.codes[0]).toMatch(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/);
  });

  it(`refuses a query whose cost is over ${limits.cost}`, async () => {
    const page = "notes(limit: 100) { items { id title body createdAt updatedAt } nextCursor }";
    const one = await gql(t.app, `{ ${page} }`, {}, headers);
    expect(one.errors).toBeUndefined();
    const two = await gql(t.app, `{ a: ${page} b: ${page} }`, {}, headers);
    expect(two.statusCode).toBe(400);
    expect(two.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(two.errors?.[0]?.message).toMatch(/cost/);
    // a limit given in a variable is costed at the largest allowed value
    const variable = await gql(
      t.app,
      `query ($n: Int) { a: ${page.replace("100", "$n")} b: ${page.replace("100", "$n")} }`,
      { n: 1 },
      headers,
    );
    expect(variable.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    // a list without `limit` is costed at its default (20 notes): 1 + 20 × 7 = 141 each
    const defaults = "notes { items { id title body createdAt updatedAt } nextCursor }";
    expect((await gql(t.app, aliased(7, defaults), {}, headers)).errors).toBeUndefined();
    expect((await gql(t.app, aliased(8, defaults), {}, headers)).codes).toEqual([
      "GRAPHQL_VALIDATION_FAILED",
    ]);
    // fragments are costed too
    const viaFragments = await gql(
      t.app,
      `{ ...A ...B } fragment A on Query { a: ${page} } fragment B on Query { b: ${page} }`,
      {},
      headers,
    );
    expect(viaFragments.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it(`refuses more than ${limits.directives} directives and very long documents`, async () => {
    const directives = await gql(
      t.app,
      `{ __typename ${"@include(if: true) ".repeat(limits.directives + 1)}}`,
    );
    expect(directives.statusCode).toBe(400);
    expect(new Set(directives.codes)).toEqual(new Set(["GRAPHQL_VALIDATION_FAILED"]));
    expect(directives.errors?.map((error) => error.message)).toContain(
      `Too many directives: ${limits.directives + 1}, at most ${limits.directives} allowed.`,
    );
    const thousand = await gql(t.app, `{ __typename ${"@include(if: true) ".repeat(1000)}}`);
    expect(thousand.statusCode).toBe(400);
    const long = await gql(t.app, `{ ${"__typename ".repeat(20_000)}}`); // about 200 KB
    expect(long.statusCode).toBe(400);
    expect(long.codes).toEqual(["GRAPHQL_PARSE_FAILED"]);
  });

  it("rejects fragment cycles", async () => {
    const result = await gql(
      t.app,
      "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    );
    expect(result.statusCode).toBe(400);
    expect(result.codes[0]).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("refuses batched operations", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/graphql",
      payload: Array.from({ length: 100 }, () => ({ query: "{ __typename }" })),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions.code).toBe("BAD_REQUEST");
  });

  it("runs queries over GET, but never mutations", async () => {
    const query = await t.app.inject({
      method: "GET",
      url: `/graphql?query=${encodeURIComponent("{ __typename }")}`,
    });
    expect(query.statusCode).toBe(200);
    expect(query.json()).toEqual({ data: { __typename: "Query" } });
    const mutation = await t.app.inject({
      method: "GET",
      url: `/graphql?query=${encodeURIComponent('mutation { deleteNote(id: "x") }')}`,
      headers,
    });
    expect(mutation.statusCode).toBe(405);
    expect(mutation.json().errors[0].extensions.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("answers syntax errors, unknown fields and bad variables with a code", async () => {
    const syntax = await gql(t.app, "{ notes { ");
    expect(syntax.statusCode).toBe(400);
    expect(syntax.codes).toEqual(["GRAPHQL_PARSE_FAILED"]);
    const unknown = await gql(t.app, "{ nope }");
    expect(unknown.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    const variable = await gql(
      t.app,
      "query ($n: Int) { notes(limit: $n) { nextCursor } }",
      { n: "ten" },
      headers,
    );
    expect(variable.statusCode).toBe(400);
    expect(variable.codes).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers a wrong operation name or a missing variable with 400, not 500", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/graphql",
      payload: { query: "query A { __typename } query B { __typename }", operationName: "C" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions.code).toBe("OPERATION_RESOLUTION_FAILURE");
    const unnamed = await gql(t.app, "query A { __typename } query B { __typename }");
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.codes).toEqual(["OPERATION_RESOLUTION_FAILURE"]);
    const missing = await t.app.inject({
      method: "POST",
      url: "/graphql",
      payload: { query: "query ($id: ID!) { note(id: $id) { id } }" },
      headers,
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("refuses bodies over 1 MiB", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ query: `{ __typename } #${"x".repeat(1_100_000)}` }),
    });
    expect(response.statusCode).toBe(413);
  });
});
