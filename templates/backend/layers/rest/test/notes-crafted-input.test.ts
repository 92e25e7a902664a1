/**
 * Crafted input to /notes in production: a cursor decoded to a time the databases cannot hold is a
 * 400 problem with nothing logged beyond the request itself, and the per-owner ceiling on notes
 * answers 409.
 */
import { Writable } from "node:stream";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { loggerOptions } from "../src/logger.ts";
import { testConfig } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";
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

const inject = (options: InjectOptions) =>
  app.inject({ ...options, headers: { ...headers, ...options.headers } });

function expectProblem(response: Awaited<ReturnType<typeof inject>>, status: number) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(Object.keys(body).sort()).toEqual(["detail", "status", "title", "type"]);
  expect(response.body).not.toMatch(/stack|\bat .*:\d+|SELECT|timestamp|Invalid time|RangeError/i);
  return body as { detail: string };
}

const ID = "00000000-0000-4000-8000-000000000000";
const cursorAt = (ms: string) => Buffer.from(`${ms}.${ID}`).toString("base64url");

describe("crafted cursors", () => {
  it("a time in year 10000 or later, or past what Date holds: 400, and no error logged", async () => {
    for (const ms of [
      String(Date.UTC(10000, 0, 1)),
      "253402300800000",
      "999999999999999",
      "8640000000000001",
    ]) {
      const before = logLines.length;
      const response = await inject({ method: "GET", url: `/notes?cursor=${cursorAt(ms)}` });
      expect(expectProblem(response, 400).detail).toBe("cursor is invalid");
      const lines = logLines.slice(before).map((line) => JSON.parse(line) as { level: number });
      // the request's own lines (incoming, completed) and nothing at warn or above, no stack
      expect(lines.filter((line) => line.level >= 40)).toEqual([]);
      expect(JSON.stringify(lines)).not.toMatch(/stack|SELECT|"err"/);
    }
  });

  it("the last instant of year 9999 is a valid cursor", async () => {
    const response = await inject({
      method: "GET",
      url: `/notes?cursor=${cursorAt("253402300799999")}`,
    });
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe("notes per owner", () => {
  it(`NOTES_MAX_PER_OWNER (${MAX} here) notes, then 409 for one more`, async () => {
    for (let i = 0; i < MAX; i++) {
      const created = await inject({
        method: "POST",
        url: "/notes",
        payload: { title: `n${i}`, body: "" },
      });
      expect(created.statusCode, created.body).toBe(201);
    }
    const refused = await inject({
      method: "POST",
      url: "/notes",
      payload: { title: "one more", body: "" },
    });
    expect(expectProblem(refused, 409).detail).toMatch(/maximum of 2 notes/);
  });
});
