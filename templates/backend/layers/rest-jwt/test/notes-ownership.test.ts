import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/app.ts";
import { registerUser } from "./support/session.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

describe("notes belong to their owner", () => {
  it("another user's note is 404 and never listed; no token is 401", async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const created = await t.app.inject({
      method: "POST",
      url: "/notes",
      headers: a.headers,
      payload: { title: "A's", body: "private" },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;

    for (const [method, payload] of [
      ["GET"],
      ["PATCH", { title: "mine now" }],
      ["DELETE"],
    ] as const) {
      const response = await t.app.inject({
        method,
        url: `/notes/${id}`,
        headers: b.headers,
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode).toBe(404);
    }
    const listB = await t.app.inject({ method: "GET", url: "/notes", headers: b.headers });
    expect(listB.json().items).toEqual([]);

    const stillA = await t.app.inject({ method: "GET", url: `/notes/${id}`, headers: a.headers });
    expect(stillA.json()).toMatchObject({ title: "A's", body: "private" });

    for (const [method, url] of [
      ["GET", "/notes"],
      ["POST", "/notes"],
      ["GET", `/notes/${id}`],
      ["PATCH", `/notes/${id}`],
      ["DELETE", `/notes/${id}`],
    ] as const) {
      const response = await t.app.inject({
        method,
        url,
        ...(method === "POST" || method === "PATCH" ? { payload: { title: "x", body: "" } } : {}),
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
  });
});
