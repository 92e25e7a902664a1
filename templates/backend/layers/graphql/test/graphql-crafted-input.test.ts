/**
 * Crafted requests to /graphql in production: an operation type the schema lacks, a cursor decoded
 * to a time the databases cannot hold, text that is not valid Unicode, and the per-owner ceiling
 * on notes. Each is a client error, with nothing logged at warn or above.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { loggerOptions } from "../src/logger.ts";
import { testConfig } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";
import { gql } from "./support/graphql.ts";
import { newSession } from "./support/session.ts";

const MAX = 2;
let db: Awaited<ReturnType<typeof openTestDatabase>>;
let app: Awaited<ReturnType<typeof buildApp>>;
let headers: Record<string, string>;
const logLines: string[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  const config = await testConfig({
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    NOTES_MAX_PER_OWNER: String(MAX),
  });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  app = await buildApp({
    config,
    database: db,
    logger: { ...(loggerOptions(config) as object), stream } as never,
  });
  await app.ready();
  headers = await newSession(app);
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

/** The log lines a call writes at warn level or above (none expected). */
async function warningsOf<T>(call: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const before = logLines.length;
  const result = await call();
  const warnings = logLines
    .slice(before)
    .filter((line) => (JSON.parse(line) as { level: number }).level >= 40);
  return { result, warnings };
}

const post = (payload: string | Buffer, type: string) =>
  app.inject({
    method: "POST",
    url: "/graphql",
    headers: { ...headers, "content-type": type },
    payload,
  });

describe("an operation type the schema lacks", () => {
  it("a subscription is GRAPHQL_VALIDATION_FAILED (400), never an internal error", async () => {
    for (const query of [
      "subscription { notes { nextCursor } }",
      "subscription S { __typename }",
    ]) {
      const { result, warnings } = await warningsOf(() => gql(app, query, undefined, headers));
      expect(result.statusCode).toBe(400);
      expect(result.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
      expect(result.errors?.[0]?.message).toMatch(/no subscription operations/);
      expect(result.data ?? null).toBeNull();
      expect(warnings).toEqual([]);
    }
    const sent = await warningsOf(() => post("subscription { __typename }", "application/graphql"));
    expect(sent.result.statusCode).toBe(400);
    expect(sent.warnings).toEqual([]);
  });
});

describe("crafted cursors", () => {
  it("a time in year 10000 or later is BAD_USER_INPUT, with nothing logged", async () => {
    const LIST = "query ($cursor: String) { notes(cursor: $cursor) { nextCursor } }";
    for (const ms of [String(Date.UTC(10000, 0, 1)), "999999999999999"]) {
      const cursor = Buffer.from(`${ms}.00000000-0000-4000-8000-000000000000`).toString(
        "base64url",
      );
      const { result, warnings } = await warningsOf(() => gql(app, LIST, { cursor }, headers));
      expect(result.codes).toEqual(["BAD_USER_INPUT"]);
      expect(JSON.stringify(result.errors)).not.toMatch(/SELECT|stack|timestamp|RangeError/i);
      expect(warnings).toEqual([]);
    }
  });
});

describe("text that is not valid Unicode", () => {
  it("invalid UTF-8 in an application/graphql or JSON body: 400, before anything runs", async () => {
    const invalid = Buffer.concat([
      Buffer.from('mutation { createNote(input: {title: "a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('", body: ""}) { id } }'),
    ]);
    for (const [payload, type] of [
      [invalid, "application/graphql"],
      [invalid, "application/graphql; charset=utf-8"],
      [
        Buffer.concat([Buffer.from('{"query":"{ __typename }","x":"'), invalid, Buffer.from('"}')]),
        "application/json",
      ],
    ] as const) {
      const response = await post(payload, type);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.body).toMatch(/UTF-8/);
    }
    const valid = await post("{ __typename }", "application/graphql");
    expect(valid.statusCode, valid.body).toBe(200);
  });

  it("a lone surrogate in variables, or in a string literal of the query: refused", async () => {
    const CREATE = "mutation ($input: CreateNoteInput!) { createNote(input: $input) { id } }";
    const variables = await post(
      `{"query":${JSON.stringify(CREATE)},"variables":{"input":{"title":"\\ud800","body":""}}}`,
      "application/json",
    );
    expect(variables.statusCode).toBe(400);
    const literal = await post(
      'mutation { createNote(input: {title: "\\ud800", body: ""}) { id } }',
      "application/graphql",
    );
    expect(literal.statusCode).toBe(400);
    expect(literal.json().errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
  });
});

describe("notes per owner", () => {
  it(`NOTES_MAX_PER_OWNER (${MAX} here) notes, then CONFLICT for one more`, async () => {
    const CREATE = "mutation ($input: CreateNoteInput!) { createNote(input: $input) { id } }";
    for (let i = 0; i < MAX; i++) {
      const created = await gql(app, CREATE, { input: { title: `n${i}`, body: "" } }, headers);
      expect(created.errors).toBeUndefined();
    }
    const refused = await gql(app, CREATE, { input: { title: "one more", body: "" } }, headers);
    expect(refused.codes).toEqual(["CONFLICT"]);
    expect(refused.errors?.[0]?.message).toMatch(/maximum of 2 notes/);
  });
});
