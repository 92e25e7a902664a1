import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_SECRET } from "./support/app.ts";
import { registerUser, TEST_PASSWORD } from "./support/session.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: "POST", url, payload: payload as object, headers });

function expectProblem(response: Awaited<ReturnType<typeof post>>, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(response.json().status).toBe(status);
  return response.json();
}

describe("register", () => {
  it("201 {user, accessToken, refreshToken}, no secrets in the answer", async () => {
    const response = await post("/auth/register", {
      email: "Reg@Example.com",
      password: TEST_PASSWORD,
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(["accessToken", "refreshToken", "user"]);
    expect(body.user).toEqual({ id: expect.any(String), email: "reg@example.com" });
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.body).not.toContain(TEST_PASSWORD);
    expect(response.body).not.toMatch(/argon2|passwordHash/);
  });

  it("409 for a taken email, compared case-insensitively and trimmed", async () => {
    await registerUser(t.app, "taken@example.com");
    for (const email of ["taken@example.com", "TAKEN@example.com", " taken@Example.com "]) {
      expectProblem(await post("/auth/register", { email, password: TEST_PASSWORD }), 409);
    }
  });

  it("400 for an invalid email, a short password or extra fields", async () => {
    expectProblem(
      await post("/auth/register", { email: "not-an-email", password: TEST_PASSWORD }),
      400,
    );
    expectProblem(
      await post("/auth/register", { email: "short@example.com", password: "1234567" }),
      400,
    );
    expectProblem(
      await post("/auth/register", {
        email: "extra@example.com",
        password: TEST_PASSWORD,
        role: "admin",
      }),
      400,
    );
    expectProblem(
      await post("/auth/register", { email: { $ne: null }, password: TEST_PASSWORD }),
      400,
    );
  });

  it("concurrent registrations of one email: exactly one succeeds", async () => {
    const responses = await Promise.all(
      ["race@example.com", "RACE@example.com", " race@example.com ", "race@example.com"].map(
        (email) => post("/auth/register", { email, password: TEST_PASSWORD }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
  });
});

describe("login", () => {
  it("200 with a new pair; me answers the user", async () => {
    const user = await registerUser(t.app, "login@example.com");
    const response = await post("/auth/login", {
      email: "LOGIN@example.com",
      password: TEST_PASSWORD,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.user).toEqual(user.user);
    const me = await t.app.inject({
      method: "GET",
      url: "/auth/me",
      headers: { authorization: `bearer ${body.accessToken}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(user.user);
  });

  it("a wrong password and an unknown email get the same answer", async () => {
    await registerUser(t.app, "same@example.com");
    const wrongPassword = await post("/auth/login", {
      email: "same@example.com",
      password: "wrong password",
    });
    const unknownEmail = await post("/auth/login", {
      email: "nobody@example.com",
      password: "wrong password",
    });
    expectProblem(wrongPassword, 401);
    expect(unknownEmail.statusCode).toBe(wrongPassword.statusCode);
    expect(unknownEmail.body).toBe(wrongPassword.body);
    expect(unknownEmail.headers["content-length"]).toBe(wrongPassword.headers["content-length"]);
  });

  it("operator objects are rejected, not queried", async () => {
    expectProblem(
      await post("/auth/login", { email: { $ne: null }, password: { $ne: null } }),
      400,
    );
  });
});

describe("refresh and logout", () => {
  it("rotates: a refresh token works once; reuse revokes the whole family", async () => {
    const { refreshToken: r1 } = await registerUser(t.app);
    const second = await post("/auth/refresh", { refreshToken: r1 });
    expect(second.statusCode).toBe(200);
    const r2 = second.json().refreshToken as string;
    expect(r2).not.toBe(r1);
    expectProblem(await post("/auth/refresh", { refreshToken: r1 }), 401); // reuse
    expectProblem(await post("/auth/refresh", { refreshToken: r2 }), 401); // family revoked
  });

  it("concurrent use of one refresh token: at most one success", async () => {
    const { refreshToken } = await registerUser(t.app);
    const responses = await Promise.all(
      [1, 2, 3].map(() => post("/auth/refresh", { refreshToken })),
    );
    expect(responses.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(1);
  });

  it("logout answers 204 and the token stops working", async () => {
    const { refreshToken } = await registerUser(t.app);
    const response = await post("/auth/logout", { refreshToken });
    expect(response.statusCode).toBe(204);
    expectProblem(await post("/auth/refresh", { refreshToken }), 401);
    expect(
      (await post("/auth/logout", { refreshToken: "unknown-token-unknown-token" })).statusCode,
    ).toBe(204);
  });

  it("garbage and access tokens are not refresh tokens", async () => {
    const { accessToken } = await registerUser(t.app);
    for (const refreshToken of ["garbage", accessToken, "x".repeat(500)]) {
      expectProblem(await post("/auth/refresh", { refreshToken }), 401);
    }
  });
});

describe("access tokens on /auth/me", () => {
  const key = new TextEncoder().encode(TEST_SECRET);

  async function me(authorization?: string) {
    return t.app.inject({
      method: "GET",
      url: "/auth/me",
      headers: authorization === undefined ? {} : { authorization },
    });
  }

  it("401 with WWW-Authenticate for a missing, malformed or forged token", async () => {
    const user = await registerUser(t.app);
    const now = Math.floor(Date.now() / 1000);
    const forged = (claims: object, header: object = { alg: "HS256", typ: "at+jwt" }) =>
      new SignJWT({
        sub: user.user.id,
        iat: now,
        exp: now + 60,
        iss: t.config.jwt.issuer,
        aud: t.config.jwt.audience,
        ...claims,
      })
        .setProtectedHeader(header as { alg: string })
        .sign(key);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const payload = b64({
      sub: user.user.id,
      iat: now,
      exp: now + 60,
      iss: t.config.jwt.issuer,
      aud: t.config.jwt.audience,
    });

    expect((await me(`Bearer ${await forged({})}`)).statusCode).toBe(200);
    const bad = [
      undefined,
      "",
      "Bearer",
      `Token ${user.accessToken}`,
      `Basic ${user.accessToken}`,
      `Bearer  ${user.accessToken}`,
      `${b64({ alg: "none", typ: "at+jwt" })}.${payload}.`,
      `Bearer ${b64({ alg: "none", typ: "at+jwt" })}.${payload}.`,
      `Bearer ${await forged({ exp: now - 10 })}`,
      `Bearer ${await forged({ nbf: now + 300 })}`,
      `Bearer ${await forged({ iss: "evil" })}`,
      `Bearer ${await forged({ aud: "evil" })}`,
      `Bearer ${await forged({ sub: "00000000-0000-4000-8000-000000000000" })}`,
      `Bearer ${await forged({}, { alg: "HS384", typ: "at+jwt" })}`,
      `Bearer ${user.refreshToken}`,
      `Bearer ${user.accessToken.slice(0, -2)}`,
    ];
    for (const header of bad) {
      const response = await me(header);
      expectProblem(response, 401);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
    const query = await t.app.inject({
      method: "GET",
      url: `/auth/me?access_token=${user.accessToken}`,
    });
    expect(query.statusCode).toBe(401);
  });
});

describe("login rate limit", () => {
  it("429 with Retry-After after 10 failures for one email from one address, even with the right password", async () => {
    const fresh = await createTestApp({}, t.db); // its own login limits, on the file's database
    const user = await registerUser(fresh.app, "limited@example.com");
    const login = (password: string, ip = "10.0.0.1") =>
      fresh.app.inject({
        method: "POST",
        url: "/auth/login",
        payload: { email: user.email, password },
        remoteAddress: ip,
        headers: { "x-forwarded-for": `203.0.113.${Math.floor(Math.random() * 200)}` },
      });
    for (let i = 0; i < 10; i++) expect((await login("wrong password")).statusCode).toBe(401);
    const limited = await login(TEST_PASSWORD);
    expectProblem(limited, 429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    // another client address is not held by this one's failures (one address cannot lock the
    // owner out; the account-wide ceiling is in login-lockout.test.ts)
    expect((await login(TEST_PASSWORD, "10.0.0.2")).statusCode).toBe(200);
    expect((await login(TEST_PASSWORD)).statusCode).toBe(429);
    await fresh.close();
  });
});
