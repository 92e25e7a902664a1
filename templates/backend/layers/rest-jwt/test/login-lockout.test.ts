/**
 * Login abuse over HTTP: an attacker guessing one account's password from many addresses, and a
 * flood of logins. The rule (README, Authentication): 10 failures per account and address in
 * 15 minutes, 50 per account in an hour from clients without that account's device token,
 * 10 per device token in 15 minutes, 30 per address in a minute; password checks beyond
 * PASSWORD_HASH_CONCURRENCY running and PASSWORD_HASH_QUEUE waiting answer 503.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/app.ts";
import { SMALL_HASHING_QUEUE } from "./support/login-flood.ts";
import { TEST_PASSWORD } from "./support/session.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_MAX: "100000" });
});

afterAll(async () => {
  await t?.close();
});

type Response = Awaited<ReturnType<typeof t.app.inject>>;

const post = (
  url: string,
  payload: object,
  remoteAddress: string,
  headers: Record<string, string> = {},
) => t.app.inject({ method: "POST", url, payload, remoteAddress, headers });

/** The device token a response hands over, with the cookie's attributes. */
function deviceCookie(response: Response): { token: string; attributes: string } {
  const header = response.headers["set-cookie"];
  const cookie = (Array.isArray(header) ? header : [header ?? ""]).find((c) =>
    c.startsWith("device_token="),
  );
  expect(cookie, "a device_token cookie").toBeDefined();
  const [pair = "", ...attributes] = (cookie as string).split("; ");
  return { token: pair.slice("device_token=".length), attributes: attributes.join("; ") };
}

let counter = 0;
const email = () => `owner-${Date.now()}-${counter++}@example.com`;

describe("an attacker from many addresses", () => {
  it("cannot keep out an owner who logged in before (device token); one who did not waits", async () => {
    const address = email();
    const registered = await post(
      "/auth/register",
      { email: address, password: TEST_PASSWORD },
      "192.0.2.1",
    );
    expect(registered.statusCode).toBe(201);
    const first = deviceCookie(registered);
    expect(first.attributes).toBe("Path=/auth; Max-Age=7776000; HttpOnly; SameSite=Strict");
    // the owner logs in from home: a device token for this device
    const home = await post(
      "/auth/login",
      { email: address, password: TEST_PASSWORD },
      "192.0.2.1",
    );
    expect(home.statusCode).toBe(200);
    const device = deviceCookie(home).token;
    expect(Object.keys(home.json()).sort()).toEqual(["accessToken", "refreshToken", "user"]);
    expect(home.body).not.toContain(device);

    // the attack: one guess from each of 60 addresses; the owner tries now and then meanwhile
    const statuses: number[] = [];
    const ownerStatuses: number[] = [];
    let owner = device;
    for (let i = 0; i < 60; i++) {
      const guess = await post(
        "/auth/login",
        { email: address, password: `guess ${i}` },
        `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      );
      statuses.push(guess.statusCode);
      if (i % 10 === 9) {
        const login = await post(
          "/auth/login",
          { email: address, password: TEST_PASSWORD },
          "192.0.2.1",
          { cookie: `device_token=${owner}` },
        );
        ownerStatuses.push(login.statusCode);
        if (login.statusCode === 200) owner = deviceCookie(login).token;
      }
    }
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50).every((s) => s === 429)).toBe(true);
    expect(ownerStatuses).toEqual([200, 200, 200, 200, 200, 200]);

    // without a device token, even the right password waits (429, Retry-After up to an hour)
    for (const remoteAddress of ["192.0.2.1", "192.0.2.99"]) {
      const locked = await post(
        "/auth/login",
        { email: address, password: TEST_PASSWORD },
        remoteAddress,
      );
      expect(locked.statusCode).toBe(429);
      expect(locked.headers["content-type"]).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(locked.headers["retry-after"]);
      expect(retryAfter).toBeGreaterThan(3000);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(locked.json().detail).toBe("Too many login attempts; try again later");
    }
    // a forged or foreign device token is no token
    const other = await post(
      "/auth/register",
      { email: email(), password: TEST_PASSWORD },
      "192.0.2.2",
    );
    for (const cookie of [
      `device_token=${deviceCookie(other).token}`,
      `device_token=${device.slice(0, -1)}${device.endsWith("A") ? "B" : "A"}`,
      "device_token=garbage",
    ]) {
      const refused = await post(
        "/auth/login",
        { email: address, password: TEST_PASSWORD },
        "192.0.2.1",
        { cookie },
      );
      expect(refused.statusCode).toBe(429);
    }
    // the device token from registering works too
    const fromRegister = await post(
      "/auth/login",
      { email: address, password: TEST_PASSWORD },
      "192.0.2.3",
      {
        cookie: `device_token=${first.token}`,
      },
    );
    expect(fromRegister.statusCode).toBe(200);
  });

  it("gets at most 50 password checks per account in an hour, whatever the number of addresses", async () => {
    const address = email();
    expect(
      (await post("/auth/register", { email: address, password: TEST_PASSWORD }, "192.0.2.5"))
        .statusCode,
    ).toBe(201);
    let checked = 0;
    for (let i = 0; i < 120; i++) {
      const guess = await post(
        "/auth/login",
        { email: address, password: `guess ${i}` },
        `198.19.${i}.7`,
      );
      expect([401, 429]).toContain(guess.statusCode);
      if (guess.statusCode === 401) checked++;
      if (guess.statusCode === 429) expect(Number(guess.headers["retry-after"])).toBeGreaterThan(0);
    }
    expect(checked).toBe(50);
    // and an unknown email is held the same way (no hint which emails exist)
    const unknown = `nobody-${Date.now()}@example.com`;
    const unknownStatuses: number[] = [];
    for (let i = 0; i < 52; i++) {
      unknownStatuses.push(
        (await post("/auth/login", { email: unknown, password: "guess" }, `198.20.${i}.7`))
          .statusCode,
      );
    }
    expect(unknownStatuses.filter((s) => s === 401)).toHaveLength(50);
    expect(unknownStatuses.slice(50)).toEqual([429, 429]);
  });
});

describe("the device cookie in production", () => {
  it("is Secure as well", async () => {
    const production = await createTestApp({ NODE_ENV: "production" }, t.db);
    try {
      const registered = await production.app.inject({
        method: "POST",
        url: "/auth/register",
        remoteAddress: "192.0.2.9",
        payload: { email: email(), password: TEST_PASSWORD },
      });
      expect(registered.statusCode).toBe(201);
      expect(deviceCookie(registered).attributes).toBe(
        "Path=/auth; Max-Age=7776000; HttpOnly; SameSite=Strict; Secure",
      );
    } finally {
      await production.close();
    }
  });
});

describe("a flood of logins", () => {
  it("beyond the hashing queue answers 503 with Retry-After at once; other routes keep answering", async () => {
    const small = await createTestApp(SMALL_HASHING_QUEUE, t.db);
    try {
      const logins = Array.from({ length: 24 }, (_, i) =>
        small.app.inject({
          method: "POST",
          url: "/auth/login",
          remoteAddress: `198.51.100.${i + 1}`,
          payload: { email: `flood-${i}@example.com`, password: "wrong password" },
        }),
      );
      const health = small.app.inject({ method: "GET", url: "/health" });
      const responses = await Promise.all(logins);
      expect((await health).statusCode).toBe(200);
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(3);
      const busy = responses.filter((r) => r.statusCode === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
      for (const response of busy) {
        expect(response.headers["retry-after"]).toBe("1");
        expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
        expect(response.json().detail).toBe("The server is busy; try again in a moment");
      }
      // a refused login was not a guess: those addresses and emails have all their attempts left
      const again = await small.app.inject({
        method: "POST",
        url: "/auth/login",
        remoteAddress: "198.51.100.24",
        payload: { email: "flood-23@example.com", password: "wrong password" },
      });
      expect(again.statusCode).toBe(401);
    } finally {
      await small.close();
    }
  });
});
