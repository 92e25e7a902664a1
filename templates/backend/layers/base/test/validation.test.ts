import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { testConfig } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";

let app: FastifyInstance;
let db: Awaited<ReturnType<typeof openTestDatabase>>;

beforeAll(async () => {
  db = await openTestDatabase();
  app = await buildApp({ config: await testConfig(), database: db, logger: false });
  // A route as a user would first write one: a body with formats, a query string with a number.
  app.post(
    "/signup",
    {
      schema: {
        body: {
          type: "object",
          properties: {
            email: { type: "string", format: "email" },
            site: { type: "string", format: "uri" },
            count: { type: "integer" },
          },
          required: ["email"],
          additionalProperties: false,
        },
        querystring: {
          type: "object",
          properties: { page: { type: "integer", minimum: 1 } },
        },
      },
    },
    async (request) => ({ body: request.body, query: request.query }),
  );
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

const signup = (payload: object, url = "/signup") => app.inject({ method: "POST", url, payload });

describe("request validation", () => {
  it("checks string formats (email, uri, …) instead of ignoring them", async () => {
    expect((await signup({ email: "not-an-email" })).statusCode).toBe(400);
    expect((await signup({ email: "a@b.example", site: "not a url" })).statusCode).toBe(400);
    const ok = await signup({ email: "a@b.example", site: "https://b.example/x" });
    expect(ok.statusCode).toBe(200);
  });

  it("never coerces a body, but coerces query strings", async () => {
    const coerced = await signup({ email: "a@b.example", count: "3" });
    expect(coerced.statusCode).toBe(400);
    expect(coerced.json().detail).toBe("body.count must be integer");
    const page = await signup({ email: "a@b.example" }, "/signup?page=2");
    expect(page.json().query).toEqual({ page: 2 });
  });

  it("refuses unknown properties instead of dropping them", async () => {
    const response = await signup({ email: "a@b.example", admin: true });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/must NOT have additional properties \(admin\)/);
  });
});
