import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REGISTER_LIMIT_PER_IP } from "../src/routes/graphql/auth.ts";
import { createTestApp } from "./support/app.ts";
import { gql } from "./support/graphql.ts";
import { registerUser, TEST_PASSWORD } from "./support/session.ts";

const PAYLOAD = "user { id email } accessToken refreshToken";
const REGISTER = `mutation ($email: String!, $password: String!) { register(email: $email, password: $password) { ${PAYLOAD} } }`;
const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ${PAYLOAD} } }`;
const REFRESH = `mutation ($token: String!) { refresh(refreshToken: $token) { ${PAYLOAD} } }`;
const LOGOUT = "mutation ($token: String!) { logout(refreshToken: $token) }";
const ME = "{ me { id email } }";

interface AuthPayload {
  user: { id: string; email: string };
  accessToken: string;
  refreshToken: string;
}

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const email = () => `${randomUUID()}@example.com`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("auth over GraphQL", () => {
  it("registers, then answers me with the access token", async () => {
    const address = email();
    const result = await gql<{ register: AuthPayload }>(t.app, REGISTER, {
      email: address,
      password: TEST_PASSWORD,
    });
    expect(result.statusCode).toBe(200);
    expect(result.errors).toBeUndefined();
    const payload = result.data?.register as AuthPayload;
    expect(payload.user.email).toBe(address);
    expect(payload.accessToken.split(".")).toHaveLength(3);
    const me = await gql(t.app, ME, {}, bearer(payload.accessToken));
    expect(me.data).toEqual({ me: payload.user });
  });

  it("refuses a taken email (case-insensitively) with CONFLICT", async () => {
    const { email: address } = await registerUser(t.app);
    const again = await gql(t.app, REGISTER, {
      email: address.toUpperCase(),
      password: TEST_PASSWORD,
    });
    expect(again.data).toBeNull();
    expect(again.codes).toEqual(["CONFLICT"]);
  });

  it("refuses an invalid email or a short password with BAD_USER_INPUT", async () => {
    for (const variables of [
      { email: "not-an-email", password: TEST_PASSWORD },
      { email: email(), password: "short" },
    ]) {
      const result = await gql(t.app, REGISTER, variables);
      expect(result.codes).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("logs in; a wrong password and an unknown email get the same UNAUTHENTICATED answer", async () => {
    const user = await registerUser(t.app);
    const ok = await gql<{ login: AuthPayload }>(t.app, LOGIN, {
      email: user.email.toUpperCase(),
      password: TEST_PASSWORD,
    });
    expect(ok.data?.login.user).toEqual(user.user);
    const wrong = await gql(t.app, LOGIN, { email: user.email, password: "wrong password" });
    const unknown = await gql(t.app, LOGIN, { email: email(), password: "wrong password" });
    expect(wrong.codes).toEqual(["UNAUTHENTICATED"]);
    expect(unknown.codes).toEqual(["UNAUTHENTICATED"]);
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });

  it("answers UNAUTHENTICATED for a missing, malformed, forged or unsigned token", async () => {
    const { accessToken } = await registerUser(t.app);
    const [header, payload] = accessToken.split(".") as [string, string];
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    const tampered = `${header}.${payload}.${"A".repeat(43)}`;
    for (const headers of [
      {},
      { authorization: "Bearer" },
      { authorization: "Basic abc" },
      bearer("garbage"),
      bearer(unsigned),
      bearer(tampered),
    ]) {
      const me = await gql(t.app, ME, {}, headers);
      expect(me.statusCode).toBe(200);
      expect(me.data).toBeNull();
      expect(me.codes).toEqual(["UNAUTHENTICATED"]);
    }
  });

  it("rotates refresh tokens; reusing one revokes the whole family", async () => {
    const first = await registerUser(t.app);
    const second = await gql<{ refresh: AuthPayload }>(t.app, REFRESH, {
      token: first.refreshToken,
    });
    expect(second.errors).toBeUndefined();
    const pair = second.data?.refresh as AuthPayload;
    expect(pair.refreshToken).not.toBe(first.refreshToken);
    expect(pair.user).toEqual(first.user);

    const reused = await gql(t.app, REFRESH, { token: first.refreshToken });
    expect(reused.codes).toEqual(["UNAUTHENTICATED"]);
    // the reuse revoked the family: the newest token no longer works either
    const newest = await gql(t.app, REFRESH, { token: pair.refreshToken });
    expect(newest.codes).toEqual(["UNAUTHENTICATED"]);
  });

  it("logs out: the refresh token stops working", async () => {
    const user = await registerUser(t.app);
    const out = await gql(t.app, LOGOUT, { token: user.refreshToken });
    expect(out.data).toEqual({ logout: true });
    const after = await gql(t.app, REFRESH, { token: user.refreshToken });
    expect(after.codes).toEqual(["UNAUTHENTICATED"]);
  });

  it("allows one register/login/refresh/logout per request, aliases or not", async () => {
    const user = await registerUser(t.app);
    const logins = Array.from(
      { length: 100 },
      (_, i) => `l${i}: login(email: "${user.email}", password: "guess ${i}") { accessToken }`,
    ).join(" ");
    const many = await gql(t.app, `mutation { ${logins} }`);
    expect(many.statusCode).toBe(400);
    expect(many.data).toBeNull();
    const two = await gql(
      t.app,
      `mutation { a: login(email: "${user.email}", password: "x") { accessToken } b: login(email: "${user.email}", password: "y") { accessToken } }`,
    );
    expect(two.statusCode).toBe(400);
    expect(two.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("throttles repeated logins for one email with RATE_LIMITED, 429 and Retry-After", async () => {
    const user = await registerUser(t.app);
    let last: Awaited<ReturnType<typeof gql>> | undefined;
    for (let i = 0; i < 12; i++) {
      last = await gql(t.app, LOGIN, { email: user.email, password: `wrong ${i}` });
      if (last.codes[0] === "RATE_LIMITED") break;
    }
    expect(last?.codes).toEqual(["RATE_LIMITED"]);
    expect(last?.statusCode).toBe(429);
    expect(Number(last?.headers["retry-after"])).toBeGreaterThan(0);
  });
});

describe("registration limit", () => {
  it(`allows ${REGISTER_LIMIT_PER_IP} registrations per minute and client IP, then RATE_LIMITED`, async () => {
    const register = () =>
      t.app.inject({
        method: "POST",
        url: "/graphql",
        remoteAddress: "203.0.113.7",
        payload: {
          query:
            "mutation ($e: String!, $p: String!) { register(email: $e, password: $p) { accessToken } }",
          variables: { e: email(), p: "short" }, // refused by the service, but counted
        },
      });
    for (let i = 0; i < REGISTER_LIMIT_PER_IP; i++) {
      expect((await register()).json().errors[0].extensions.code).toBe("BAD_USER_INPUT");
    }
    const limited = await register();
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.json().errors[0].extensions.code).toBe("RATE_LIMITED");
    expect(limited.json().errors[0].message).toMatch(/registrations/);
  });
});

describe("ownership over GraphQL", () => {
  it("keeps each user's notes to that user", async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const created = await gql<{ createNote: { id: string } }>(
      t.app,
      'mutation { createNote(input: { title: "alice only", body: "secret" }) { id } }',
      {},
      alice.headers,
    );
    const id = created.data?.createNote.id as string;
    expect(id).toBeTruthy();

    const read = await gql(
      t.app,
      "query ($id: ID!) { note(id: $id) { id body } }",
      { id },
      bob.headers,
    );
    expect(read.data).toEqual({ note: null });
    expect(read.errors).toBeUndefined();
    const list = await gql<{ notes: { items: { id: string }[] } }>(
      t.app,
      "{ notes { items { id } } }",
      {},
      bob.headers,
    );
    expect(list.data?.notes.items.map((n) => n.id)).not.toContain(id);
    const update = await gql(
      t.app,
      'mutation ($id: ID!) { updateNote(id: $id, input: { title: "mine now" }) { id } }',
      { id },
      bob.headers,
    );
    expect(update.codes).toEqual(["NOT_FOUND"]);
    const remove = await gql(
      t.app,
      "mutation ($id: ID!) { deleteNote(id: $id) }",
      { id },
      bob.headers,
    );
    expect(remove.codes).toEqual(["NOT_FOUND"]);

    const still = await gql<{ note: { body: string } }>(
      t.app,
      "query ($id: ID!) { note(id: $id) { body } }",
      { id },
      alice.headers,
    );
    expect(still.data?.note.body).toBe("secret");
  });

  it("needs a token for every notes field", async () => {
    for (const query of [
      "{ notes { items { id } } }",
      '{ note(id: "00000000-0000-4000-8000-000000000000") { id } }',
      'mutation { createNote(input: { title: "t", body: "" }) { id } }',
      'mutation { updateNote(id: "00000000-0000-4000-8000-000000000000", input: {}) { id } }',
      'mutation { deleteNote(id: "00000000-0000-4000-8000-000000000000") }',
    ]) {
      const result = await gql(t.app, query);
      expect(result.codes, query).toEqual(["UNAUTHENTICATED"]);
    }
  });
});
