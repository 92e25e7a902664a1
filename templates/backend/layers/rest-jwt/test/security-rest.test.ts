/**
 * Adversarial tests of the REST API with auth: forged tokens on real routes, brute force,
 * object-level authorization, mass assignment, data exposure, injection through query strings and
 * bodies, hostile JSON and content types.
 */
import type { InjectOptions } from "fastify";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_SECRET } from "./support/app.ts";
import { registerUser, TEST_PASSWORD } from "./support/session.ts";

type Session = Awaited<ReturnType<typeof registerUser>>;

let t: Awaited<ReturnType<typeof createTestApp>>;
let a: Session;
let b: Session;
let noteA: { id: string; title: string; body: string };

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_MAX: "100000" });
  a = await registerUser(t.app);
  b = await registerUser(t.app);
  const created = await t.app.inject({
    method: "POST",
    url: "/notes",
    headers: a.headers,
    payload: { title: "A's note", body: "private to A" },
  });
  expect(created.statusCode).toBe(201);
  noteA = created.json();
});

afterAll(async () => {
  await t?.close();
});

const inject = (options: InjectOptions) => t.app.inject(options);
type Response = Awaited<ReturnType<typeof inject>>;

/** RFC 9457 problem document with the given status and nothing that leaks internals. */
function expectProblem(response: Response, status: number) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(Object.keys(body).sort()).toEqual(["detail", "status", "title", "type"]);
  expect(body.status).toBe(status);
  expect(response.body).not.toMatch(
    /\bat .*\.(ts|js):\d+|node_modules|stack|SELECT|INSERT|duplicate key|constraint|syntax error|RangeError/i,
  );
}

async function noteOfA() {
  const response = await inject({ method: "GET", url: `/notes/${noteA.id}`, headers: a.headers });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe("tokens on the notes routes", () => {
  it("alg none, a token in the query string or a cookie: 401 with WWW-Authenticate", async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const [, payload] = a.accessToken.split(".");
    const none = `${b64({ alg: "none", typ: "at+jwt" })}.${payload}.`;
    for (const headers of [
      { authorization: `Bearer ${none}` },
      { cookie: `token=${a.accessToken}; accessToken=${a.accessToken}` },
      { "x-access-token": a.accessToken },
    ]) {
      const response = await inject({ method: "GET", url: "/notes", headers });
      expectProblem(response, 401);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(response.body).not.toContain(a.accessToken);
    }
    const query = await inject({ method: "GET", url: `/notes?access_token=${a.accessToken}` });
    expect([400, 401]).toContain(query.statusCode);
    expect(query.body).not.toContain(a.accessToken);
  });

  it("a forged token for another user (wrong key) does not get their notes", async () => {
    const token = await new SignJWT({
      sub: a.user.id,
      iss: t.config.jwt.issuer,
      aud: t.config.jwt.audience,
    })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(`${TEST_SECRET}-but-not-quite`));
    expectProblem(
      await inject({ method: "GET", url: "/notes", headers: { authorization: `Bearer ${token}` } }),
      401,
    );
  });
});

describe("login abuse over HTTP", () => {
  it("per-IP failed-login limit: spoofed X-Forwarded-For does not reset it", async () => {
    {
      const statuses: number[] = [];
      for (let i = 0; i < 32; i++) {
        const response = await inject({
          method: "POST",
          url: "/auth/login",
          remoteAddress: "192.0.2.10",
          headers: { "x-forwarded-for": `203.0.113.${i}` },
          payload: { email: `spray-${i}@example.com`, password: "wrong password" },
        });
        statuses.push(response.statusCode);
        if (response.statusCode === 429) {
          expectProblem(response, 429);
          expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
        }
      }
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30)).toEqual([429, 429]);
    }
  });

  it("registration is rate limited per client (the 409 oracle cannot be farmed)", async () => {
    {
      let limited: Response | undefined;
      for (let i = 0; i < 40 && !limited; i++) {
        const response = await inject({
          method: "POST",
          url: "/auth/register",
          remoteAddress: "192.0.2.20",
          payload: { email: "taken@example.com", password: "x" }, // 400 without hashing
        });
        if (response.statusCode === 429) limited = response;
      }
      expect(limited).toBeDefined();
      expectProblem(limited as Response, 429);
      expect(Number(limited?.headers["retry-after"])).toBeGreaterThan(0);
    }
  });

  it("refresh with garbage and login failures answer the same generic problem", async () => {
    const garbage = await inject({
      method: "POST",
      url: "/auth/refresh",
      payload: { refreshToken: "garbage-garbage-garbage-garbage" },
    });
    expectProblem(garbage, 401);
    expect(garbage.json().detail).not.toMatch(/expired|revoked|reuse|not found|unknown/i);
  });
});

describe("another user's notes (BOLA)", () => {
  it("B can neither read, change, delete nor page into A's note; A's note is unchanged", async () => {
    for (const [method, payload] of [
      ["GET"],
      ["PATCH", { title: "B was here" }],
      ["PUT", { title: "B was here", body: "" }],
      ["DELETE"],
    ] as const) {
      const response = await inject({
        method,
        url: `/notes/${noteA.id}`,
        headers: b.headers,
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode, `${method}`).toBe(404);
    }
    // a cursor pointing at A's note does not reveal A's notes to B
    const cursor = Buffer.from(`${Date.now() + 60_000}.${noteA.id}`).toString("base64url");
    const page = await inject({
      method: "GET",
      url: `/notes?cursor=${cursor}`,
      headers: b.headers,
    });
    expect(page.statusCode).toBe(200);
    expect(JSON.stringify(page.json())).not.toContain(noteA.id);
    expect(await noteOfA()).toMatchObject({ title: noteA.title, body: noteA.body });
  });
});

describe("mass assignment", () => {
  it("register refuses role, id, createdAt and passwordHash; no user is created", async () => {
    const email = `mass-${Date.now()}@example.com`;
    for (const extra of [
      { role: "admin" },
      { id: "00000000-0000-4000-8000-000000000000" },
      { createdAt: "1970-01-01T00:00:00Z" },
      { passwordHash: "x" },
      { isAdmin: true },
    ]) {
      expectProblem(
        await inject({
          method: "POST",
          url: "/auth/register",
          payload: { email, password: TEST_PASSWORD, ...extra },
        }),
        400,
      );
    }
    // the email was never taken by the refused attempts
    const ok = await inject({
      method: "POST",
      url: "/auth/register",
      payload: { email, password: TEST_PASSWORD },
    });
    expect(ok.statusCode).toBe(201);
    expect(Object.keys(ok.json().user).sort()).toEqual(["email", "id"]);
  });

  it("notes refuse ownerId, id and timestamps, and are not coerced", async () => {
    for (const payload of [
      { title: "t", body: "", ownerId: b.user.id },
      { title: "t", body: "", id: "00000000-0000-4000-8000-000000000000" },
      { title: "t", body: "", createdAt: "1970-01-01T00:00:00Z" },
      { title: ["a", "b"], body: "" },
      { title: 123, body: "" },
      { title: "t", body: null },
      { title: true, body: "" },
    ]) {
      expectProblem(
        await inject({ method: "POST", url: "/notes", headers: a.headers, payload }),
        400,
      );
    }
    for (const payload of [
      { ownerId: b.user.id },
      { id: "00000000-0000-4000-8000-000000000000" },
      { title: ["x"] },
      { updatedAt: "1970-01-01T00:00:00Z" },
    ]) {
      expectProblem(
        await inject({ method: "PATCH", url: `/notes/${noteA.id}`, headers: a.headers, payload }),
        400,
      );
    }
    expect(await noteOfA()).toMatchObject({ id: noteA.id, title: noteA.title });
    const listB = await inject({ method: "GET", url: "/notes", headers: b.headers });
    expect(listB.json().items).toEqual([]);
  });
});

describe("excessive data exposure", () => {
  it("no hashes, owner ids or internal fields in any answer", async () => {
    const login = await inject({
      method: "POST",
      url: "/auth/login",
      remoteAddress: "192.0.2.30",
      payload: { email: a.email, password: TEST_PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const refresh = await inject({
      method: "POST",
      url: "/auth/refresh",
      payload: { refreshToken: login.json().refreshToken },
    });
    const responses = [
      login,
      refresh,
      await inject({ method: "GET", url: "/auth/me", headers: a.headers }),
      await inject({ method: "GET", url: "/notes", headers: a.headers }),
      await inject({ method: "GET", url: `/notes/${noteA.id}`, headers: a.headers }),
    ];
    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toMatch(
        /password|argon2|hash|owner|revoked|family|\$argon|token_?hash/i,
      );
    }
    expect(Object.keys(responses[2]?.json() ?? {}).sort()).toEqual(["email", "id"]);
    expect(Object.keys(responses[4]?.json() ?? {}).sort()).toEqual([
      "body",
      "createdAt",
      "id",
      "title",
      "updatedAt",
    ]);
  });

  it("token answers are never cached (Cache-Control: no-store)", async () => {
    const login = await inject({
      method: "POST",
      url: "/auth/login",
      remoteAddress: "192.0.2.31",
      payload: { email: b.email, password: TEST_PASSWORD },
    });
    const refresh = await inject({
      method: "POST",
      url: "/auth/refresh",
      payload: { refreshToken: login.json().refreshToken },
    });
    const me = await inject({ method: "GET", url: "/auth/me", headers: b.headers });
    for (const response of [login, refresh, me]) {
      expect(response.headers["cache-control"]).toMatch(/no-store/);
    }
  });
});

describe("no hidden admin or debug routes", () => {
  it("answers 404 for the usual suspects", async () => {
    for (const url of ["/users", "/admin", "/debug", "/seed", "/auth/users", "/notes/all"]) {
      for (const headers of [{}, a.headers]) {
        const response = await inject({ method: "GET", url, headers });
        expect([401, 404], url).toContain(response.statusCode);
        expect(response.statusCode === 200).toBe(false);
      }
    }
  });
});

describe("ids and query strings are data, never code", () => {
  it("malformed ids are 404, never 500", async () => {
    for (const id of [
      "abc",
      "' OR 1=1--",
      "%00",
      "1;DROP TABLE notes",
      "ffffffffffffffffffffffff",
      "x".repeat(10_000),
      encodeURIComponent('{"$ne":null}'),
    ]) {
      const response = await inject({
        method: "GET",
        url: `/notes/${encodeURIComponent(id)}`,
        headers: a.headers,
      });
      // 414 when the id is longer than the router accepts (8 KiB)
      expect(id.length > 8192 ? [404, 414] : [404], id.slice(0, 40)).toContain(response.statusCode);
    }
  });

  it("sort, order, filters and bad pagination are refused (400), never run", async () => {
    for (const query of [
      "sort=title;DROP TABLE notes--",
      "sort=(CASE WHEN (SELECT 1)=1 THEN title ELSE created_at END)",
      "order=asc,pg_sleep(5)",
      "q=%25' OR 1=1--",
      "limit=-1",
      "limit=1e9",
      "limit=1000000",
      "limit=0",
      "limit=abc",
      "offset=abc",
      "q=%00",
      "cursor=' OR 1=1--",
      "cursor=%00",
      "title[$ne]=x",
      "__proto__[isAdmin]=1",
      "constructor[prototype][isAdmin]=1",
    ]) {
      const response = await inject({ method: "GET", url: `/notes?${query}`, headers: a.headers });
      expectProblem(response, 400);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await noteOfA()).toMatchObject({ title: noteA.title });
  });

  it("SQL and operators in values are stored literally", async () => {
    const title = '\'); DROP TABLE notes; -- $ne {"$gt":""}';
    const created = await inject({
      method: "POST",
      url: "/notes",
      headers: a.headers,
      payload: { title, body: "' OR '1'='1" },
    });
    expect(created.statusCode).toBe(201);
    const read = await inject({
      method: "GET",
      url: `/notes/${created.json().id}`,
      headers: a.headers,
    });
    expect(read.json()).toMatchObject({ title, body: "' OR '1'='1" });
    expect(await noteOfA()).toMatchObject({ title: noteA.title });
  });
});

describe("text the database cannot store", () => {
  it("NUL characters and lone surrogates are 400 (login: 401 for a NUL), never a 500", async () => {
    for (const text of ["a\u0000b", "\ud800"]) {
      for (const payload of [
        { title: text, body: "" },
        { title: "t", body: text },
      ]) {
        expectProblem(
          await inject({ method: "POST", url: "/notes", headers: a.headers, payload }),
          400,
        );
      }
      expectProblem(
        await inject({
          method: "PATCH",
          url: `/notes/${noteA.id}`,
          headers: a.headers,
          payload: { body: text },
        }),
        400,
      );
      expectProblem(
        await inject({
          method: "POST",
          url: "/auth/register",
          remoteAddress: "192.0.2.40",
          payload: { email: `x${text}@example.com`, password: TEST_PASSWORD },
        }),
        400,
      );
      expectProblem(
        await inject({
          method: "POST",
          url: "/auth/login",
          remoteAddress: "192.0.2.41",
          payload: { email: `x${text}@example.com`, password: TEST_PASSWORD },
        }),
        // a lone surrogate never reaches the login: the JSON parser refuses it on every route
        text.isWellFormed() ? 401 : 400,
      );
    }
  });
});

describe("hostile JSON", () => {
  const post = (payload: string, url = "/notes") =>
    inject({
      method: "POST",
      url,
      headers: { ...a.headers, "content-type": "application/json" },
      payload,
    });

  it("deep, wide, huge-number and duplicate-key bodies: 400, and the process lives on", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const wide = `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":1`).join(",")}}`;
    for (const payload of [
      `{"title":${deep},"body":""}`,
      `{"title":"t","body":${deep}}`,
      `{"title":"t","body":"","extra":${deep}}`,
      wide,
      `{"title":"t","body":${wide}}`,
      `{"title":"${"x".repeat(900_000)}","body":""}`,
      '{"title":1e309,"body":""}',
    ]) {
      expectProblem(await post(payload), 400);
    }
    const dup = await post(
      `{"email":"dup-${Date.now()}@example.com","password":"${TEST_PASSWORD}","role":"user","role":"admin"}`,
      "/auth/register",
    );
    expectProblem(dup, 400);
    expect((await inject({ method: "GET", url: "/notes", headers: a.headers })).statusCode).toBe(
      200,
    );
  });

  it("prototype poisoning in bodies is refused everywhere", async () => {
    for (const [url, payload] of [
      ["/notes", '{"title":"t","body":"","__proto__":{"isAdmin":true}}'],
      ["/notes", '{"title":"t","body":"","constructor":{"prototype":{"isAdmin":true}}}'],
      ["/auth/login", `{"email":"${a.email}","password":"x","__proto__":{"isAdmin":true}}`],
      ["/auth/register", '{"__proto__":{"isAdmin":true},"email":"p@example.com","password":"x"}'],
    ] as const) {
      expectProblem(await post(payload, url), 400);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe("bodies and content types", () => {
  it("malformed JSON is a 400 that says only 'invalid JSON'", async () => {
    for (const payload of [
      '{"title":',
      '{"title":"t",}',
      '{"title":NaN,"body":""}',
      "{'title':'t'}",
      Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    ]) {
      const response = await inject({
        method: "POST",
        url: "/notes",
        headers: { ...a.headers, "content-type": "application/json" },
        payload,
      });
      expectProblem(response, 400);
      expect(response.json().detail).not.toMatch(/position|Unexpected token|JSON\.parse/);
    }
  });

  it("anything but JSON is 415, before parsing; a text/plain POST never succeeds", async () => {
    for (const type of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
      "application/jsonx",
      "application/json; charset=utf-16",
      "application/graphql",
    ]) {
      const response = await inject({
        method: "POST",
        url: "/notes",
        headers: { ...a.headers, "content-type": type },
        payload: '{"title":"csrf","body":""}',
      });
      expectProblem(response, 415);
    }
    const list = await inject({ method: "GET", url: "/notes?limit=100", headers: a.headers });
    expect(JSON.stringify(list.json())).not.toContain('"csrf"');
  });

  it("a body over 1 MiB is 413 on every route, login included", async () => {
    const big = JSON.stringify({ email: "x@example.com", password: "x".repeat(1_048_600) });
    for (const url of ["/auth/login", "/auth/register", "/notes"]) {
      const response = await inject({
        method: "POST",
        url,
        headers: { ...a.headers, "content-type": "application/json" },
        payload: big,
      });
      expectProblem(response, 413);
    }
  });
});
