/**
 * Login abuse over GraphQL: the same rule as REST (README, Authentication). The device token
 * travels as a cookie for /graphql; a lone surrogate written in the query itself (not JSON) is
 * refused; a flood of logins beyond the hashing queue is SERVICE_UNAVAILABLE (503).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/app.ts";
import { SMALL_HASHING_QUEUE } from "./support/login-flood.ts";
import { TEST_PASSWORD } from "./support/session.ts";

const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { user { email } accessToken } }`;
const REGISTER = `mutation ($email: String!, $password: String!) { register(email: $email, password: $password) { accessToken } }`;

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_MAX: "100000" });
});

afterAll(async () => {
  await t?.close();
});

type Response = Awaited<ReturnType<typeof t.app.inject>>;

function operation(
  app: typeof t.app,
  query: string,
  variables: Record<string, unknown>,
  remoteAddress: string,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: "POST",
    url: "/graphql",
    payload: { query, variables },
    remoteAddress,
    headers,
  });
}

function codes(response: Response): (string | undefined)[] {
  return (response.json().errors ?? []).map(
    (e: { extensions?: { code?: string } }) => e.extensions?.code,
  );
}

function deviceCookie(response: Response): { token: string; attributes: string } {
  const header = response.headers["set-cookie"];
  const cookie = (Array.isArray(header) ? header : [header ?? ""]).find((c) =>
    c.startsWith("device_token="),
  );
  expect(cookie, "a device_token cookie").toBeDefined();
  const [pair = "", ...attributes] = (cookie as string).split("; ");
  return { token: pair.slice("device_token=".length), attributes: attributes.join("; ") };
}

describe("login abuse over GraphQL", () => {
  it("an attacker from many addresses cannot keep out an owner with a device token", async () => {
    const email = `gowner-${Date.now()}@example.com`;
    const registered = await operation(
      t.app,
      REGISTER,
      { email, password: TEST_PASSWORD },
      "192.0.2.1",
    );
    expect(codes(registered)).toEqual([]);
    const { token, attributes } = deviceCookie(registered);
    expect(attributes).toBe("Path=/graphql; Max-Age=7776000; HttpOnly; SameSite=Strict");
    expect(registered.body).not.toContain(token);

    const statuses: (string | undefined)[] = [];
    for (let i = 0; i < 55; i++) {
      const guess = await operation(
        t.app,
        LOGIN,
        { email, password: `guess ${i}` },
        `198.18.${i}.1`,
      );
      statuses.push(codes(guess)[0]);
      if (codes(guess)[0] === "RATE_LIMITED") {
        expect(guess.statusCode).toBe(429);
        expect(Number(guess.headers["retry-after"])).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 50).every((c) => c === "UNAUTHENTICATED")).toBe(true);
    expect(statuses.slice(50).every((c) => c === "RATE_LIMITED")).toBe(true);

    const owner = await operation(t.app, LOGIN, { email, password: TEST_PASSWORD }, "192.0.2.1", {
      cookie: `device_token=${token}`,
    });
    expect(owner.statusCode).toBe(200);
    expect(owner.json().data.login.user.email).toBe(email);
    expect(deviceCookie(owner).token).not.toBe(token);
    const withoutToken = await operation(
      t.app,
      LOGIN,
      { email, password: TEST_PASSWORD },
      "192.0.2.1",
    );
    expect(codes(withoutToken)).toEqual(["RATE_LIMITED"]);
  });

  it("a password with a lone surrogate written in the query text is refused, never hashed", async () => {
    const email = `glone-${Date.now()}@example.com`;
    for (const field of ["register", "login"]) {
      const response = await t.app.inject({
        method: "POST",
        url: "/graphql",
        remoteAddress: "192.0.2.7",
        payload: {
          query: `mutation { ${field}(email: "${email}", password: "long enough \\uD800") { accessToken } }`,
        },
      });
      // graphql-js refuses the escape itself; the service would answer BAD_USER_INPUT
      expect(["GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT"]).toContain(codes(response)[0]);
      expect(response.json().data ?? null).toBeNull();
    }
    // nothing was registered: the email is still free
    const free = await operation(t.app, REGISTER, { email, password: TEST_PASSWORD }, "192.0.2.7");
    expect(codes(free)).toEqual([]);
  });

  it("a flood of logins beyond the hashing queue is SERVICE_UNAVAILABLE (503, Retry-After)", async () => {
    const small = await createTestApp(SMALL_HASHING_QUEUE, t.db);
    try {
      const responses = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          operation(
            small.app,
            LOGIN,
            { email: `flood-${i}@example.com`, password: "wrong password" },
            `198.51.100.${i + 1}`,
          ),
        ),
      );
      const busy = responses.filter((r) => codes(r)[0] === "SERVICE_UNAVAILABLE");
      expect(busy.length).toBeGreaterThan(0);
      expect(
        responses.filter((r) => codes(r)[0] === "UNAUTHENTICATED").length,
      ).toBeGreaterThanOrEqual(3);
      for (const response of busy) {
        expect(response.statusCode).toBe(503);
        expect(response.headers["retry-after"]).toBe("1");
      }
    } finally {
      await small.close();
    }
  });
});
