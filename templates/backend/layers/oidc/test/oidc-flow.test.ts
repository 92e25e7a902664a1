/**
 * Sign-in through an OpenID Connect provider, end to end: a real provider (oidc-provider) on a port
 * of this machine, the app, and a browser that keeps each site's cookies. Each attack ends with
 * `#error=…` and nothing issued.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp } from "./support/app.ts";
import { Browser, fragment } from "./support/browser.ts";
import { oidcEnv, POST_LOGIN_REDIRECT, REDIRECT_URI } from "./support/oidc-env.ts";
import { exchange } from "./support/oidc-exchange.ts";
import {
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  type TestAccount,
  TestProvider,
} from "./support/oidc-provider.ts";
import { registerUser } from "./support/session.ts";

const client = { id: TEST_CLIENT_ID, secret: TEST_CLIENT_SECRET };
let provider: TestProvider;
let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  provider = await TestProvider.start(REDIRECT_URI);
  t = await createTestApp(oidcEnv(provider.issuer, client));
});

afterAll(async () => {
  await t?.close();
  await provider?.stop();
});

afterEach(() => {
  vi.useRealTimers();
});

const someone = (email = `${randomUUID()}@example.com`, emailVerified = true): TestAccount => ({
  sub: randomUUID() as string,
  email,
  emailVerified,
});

/** A full sign-in of `account`; the one-time code it ends with. */
async function signIn(account: TestAccount = someone(), app = t.app) {
  provider.willSignIn(account);
  const { landing } = await new Browser(app).signIn();
  const { code, error } = fragment(landing);
  expect(error).toBeUndefined();
  return code as string;
}

describe("GET /auth/oidc/login", () => {
  it("redirects to the provider with PKCE S256, state and nonce, bound to the browser by a cookie", async () => {
    const response = await t.app.inject({ method: "GET", url: "/auth/oidc/login" });
    expect(response.statusCode).toBe(302);
    const location = new URL(String(response.headers.location));
    expect(location.origin).toBe(provider.issuer);
    const params = location.searchParams;
    expect(params.get("response_type")).toBe("code");
    expect(params.get("client_id")).toBe(TEST_CLIENT_ID);
    expect(params.get("redirect_uri")).toBe(REDIRECT_URI);
    expect(params.get("scope")).toBe("openid email");
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(params.get("nonce")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const cookie = String(response.headers["set-cookie"]);
    expect(cookie).toMatch(/^oidc_flow=[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+;/); // a JWE
    expect(cookie).toContain("Path=/auth/oidc/callback");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Max-Age=600");
    // Nothing of the checks is readable in the cookie.
    for (const name of ["state", "nonce"]) {
      expect(cookie).not.toContain(params.get(name));
    }
    expect(response.headers["cache-control"]).toBe("no-store");
  });
});

describe("a sign-in", () => {
  it("lands on OIDC_POST_LOGIN_REDIRECT with a one-time code in the fragment, traded for working tokens", async () => {
    const account = provider.willSignIn(someone("New.User@Example.com"));
    const browser = new Browser(t.app);
    const { landing } = await browser.signIn();
    expect(`${landing.origin}${landing.pathname}`).toBe(POST_LOGIN_REDIRECT);
    expect(landing.search).toBe("");
    const { code } = fragment(landing);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.appCookies.get("oidc_flow")).toBeUndefined(); // the callback cleared it

    const { status, result } = await exchange(t.app, code as string);
    expect(status).toBe(200);
    expect(result?.user.email).toBe("new.user@example.com");
    expect(await t.app.auth.authenticate(result?.accessToken as string)).toEqual(result?.user);
    expect((await t.app.auth.refresh(result?.refreshToken as string)).user).toEqual(result?.user);

    // The same provider user signs in again: the same account.
    const again = await exchange(t.app, await signIn(account));
    expect(again.result?.user.id).toBe(result?.user.id);
  });

  it("a one-time code works once", async () => {
    const code = await signIn();
    expect((await exchange(t.app, code)).status).toBe(200);
    expect((await exchange(t.app, code)).status).toBe(401);
  });

  it("a one-time code expires after 60 seconds", async () => {
    const code = await signIn();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    expect((await exchange(t.app, code)).status).toBe(401);
    vi.useRealTimers();
    expect((await exchange(t.app, code)).status).toBe(401); // and it is gone
  });

  it("an unknown or malformed code is a 401", async () => {
    expect((await exchange(t.app, "A".repeat(43))).status).toBe(401);
    expect((await exchange(t.app, "not a code")).status).toBe(401);
  });

  it("a provider user without an email is refused (email_required)", async () => {
    provider.willSignIn({ sub: randomUUID() });
    const { landing } = await new Browser(t.app).signIn();
    expect(fragment(landing)).toEqual({ error: "email_required" });
  });
});

describe("attacks on the callback", () => {
  it("a replayed callback issues nothing: without the flow cookie, or with it again", async () => {
    provider.willSignIn(someone());
    const browser = new Browser(t.app);
    const { callback, flowCookie } = await browser.signIn();
    // The browser's cookie was cleared by the first callback.
    expect(fragment(await browser.callback(callback))).toEqual({ error: "invalid_state" });
    // An attacker who kept the cookie too: the provider's code works once.
    expect(fragment(await browser.callback(callback, flowCookie))).toEqual({
      error: "invalid_response",
    });
  });

  it("a tampered state is refused (invalid_state)", async () => {
    provider.willSignIn(someone());
    const { landing } = await new Browser(t.app).signIn({
      callback: (url) => url.searchParams.set("state", `${url.searchParams.get("state")}x`),
    });
    expect(fragment(landing)).toEqual({ error: "invalid_state" });
  });

  it("a callback from another browser's sign-in (login CSRF) is refused", async () => {
    provider.willSignIn(someone());
    const attacker = new Browser(t.app);
    const victim = new Browser(t.app);
    await victim.visitApp("/auth/oidc/login"); // the victim's own flow cookie
    const login = await attacker.visitApp("/auth/oidc/login");
    const callback = await attacker.throughProvider(String(login.headers.location));
    expect(fragment(await victim.callback(callback))).toEqual({ error: "invalid_state" });
  });

  it("a forged or tampered flow cookie is refused", async () => {
    provider.willSignIn(someone());
    const browser = new Browser(t.app);
    const login = await browser.visitApp("/auth/oidc/login");
    const callback = await browser.throughProvider(String(login.headers.location));
    const cookie = browser.appCookies.get("oidc_flow") as string;
    const flipped = changeOneCiphertextCharacter(cookie);
    expect(flipped).not.toBe(cookie);
    expect(fragment(await browser.callback(callback, `oidc_flow=${flipped}`))).toEqual({
      error: "invalid_state",
    });
  });

  it("an ID token for another nonce is refused (invalid_response)", async () => {
    provider.willSignIn(someone());
    const { landing } = await new Browser(t.app).signIn({
      authorization: (url) =>
        url.searchParams.set("nonce", "a-nonce-the-app-never-made-0123456789"),
    });
    expect(fragment(landing)).toEqual({ error: "invalid_response" });
  });

  it("a flow cookie older than 10 minutes is refused", async () => {
    provider.willSignIn(someone());
    const browser = new Browser(t.app);
    const login = await browser.visitApp("/auth/oidc/login");
    const callback = await browser.throughProvider(String(login.headers.location));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 11 * 60_000);
    expect(fragment(await browser.callback(callback))).toEqual({ error: "invalid_state" });
  });

  it("a provider error never reaches the browser as text (access_denied only)", async () => {
    provider.signIn = { deny: '<script>alert("x")</script> internal detail' };
    const browser = new Browser(t.app);
    const login = await browser.visitApp("/auth/oidc/login");
    const callback = await browser.throughProvider(String(login.headers.location));
    expect(callback.searchParams.get("error")).toBe("access_denied");
    const response = await browser.visitApp(`${callback.pathname}${callback.search}`);
    expect(response.statusCode).toBe(302);
    expect(response.body).toBe("");
    expect(String(response.headers["content-type"] ?? "")).not.toMatch(/html/);
    expect(String(response.headers.location)).toBe(`${POST_LOGIN_REDIRECT}#error=access_denied`);
  });

  it("the callback never redirects anywhere but OIDC_POST_LOGIN_REDIRECT", async () => {
    const browser = new Browser(t.app);
    for (const query of ["?redirect_uri=https://evil.example", "?next=//evil.example", ""]) {
      const response = await browser.visitApp(`/auth/oidc/callback${query}`);
      expect(String(response.headers.location)).toBe(`${POST_LOGIN_REDIRECT}#error=invalid_state`);
    }
  });
});

describe("accounts: no takeover through an email claim", () => {
  it("an unverified email of an existing password account is refused (account_exists)", async () => {
    const owner = await registerUser(t.app);
    provider.willSignIn(someone(owner.email, false));
    const { landing } = await new Browser(t.app).signIn();
    expect(fragment(landing)).toEqual({ error: "account_exists" });
  });

  it("a verified email is refused too while OIDC_LINK_VERIFIED_EMAIL is not true", async () => {
    const owner = await registerUser(t.app);
    provider.willSignIn(someone(owner.email.toUpperCase(), true));
    const { landing } = await new Browser(t.app).signIn();
    expect(fragment(landing)).toEqual({ error: "account_exists" });
  });

  describe("with OIDC_LINK_VERIFIED_EMAIL=true", () => {
    let linking: Awaited<ReturnType<typeof createTestApp>>;
    beforeAll(async () => {
      linking = await createTestApp(
        oidcEnv(provider.issuer, client, { OIDC_LINK_VERIFIED_EMAIL: "true" }),
      );
    });
    afterAll(async () => {
      await linking?.close();
    });

    it("an unverified email is still refused", async () => {
      const owner = await registerUser(linking.app);
      provider.willSignIn(someone(owner.email, false));
      const { landing } = await new Browser(linking.app).signIn();
      expect(fragment(landing)).toEqual({ error: "account_exists" });
    });

    it("a verified email signs in to the existing account, and its password still works", async () => {
      const owner = await registerUser(linking.app);
      const code = await signIn(someone(owner.email, true), linking.app);
      const { result } = await exchange(linking.app, code);
      expect(result?.user).toEqual(owner.user);
    });
  });
});

describe("the provider is down", () => {
  /** A port nobody listens on. */
  async function deadPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it("GET /auth/oidc/login answers 503 (problem, Retry-After), not 500", async () => {
    const down = await createTestApp(oidcEnv(`http://127.0.0.1:${await deadPort()}`, client));
    try {
      const response = await down.app.inject({ method: "GET", url: "/auth/oidc/login" });
      expect(response.statusCode).toBe(503);
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(response.headers["retry-after"]).toBe("5");
      expect(response.json().detail).toBe("The sign-in provider is unavailable; try again shortly");
    } finally {
      await down.close();
    }
  });

  it("a callback while it is down ends with #error=temporarily_unavailable", async () => {
    const brief = await TestProvider.start(REDIRECT_URI);
    const app = await createTestApp(oidcEnv(brief.issuer, client));
    try {
      brief.willSignIn(someone());
      const browser = new Browser(app.app);
      const login = await browser.visitApp("/auth/oidc/login");
      const callback = await browser.throughProvider(String(login.headers.location));
      await brief.stop();
      expect(fragment(await browser.callback(callback))).toEqual({
        error: "temporarily_unavailable",
      });
    } finally {
      await app.close();
      await brief.stop().catch(() => {});
    }
  });
});

describe("without OIDC_* (outside production)", () => {
  it("the sign-in routes answer 503 saying what to set", async () => {
    const off = await createTestApp();
    try {
      const response = await off.app.inject({ method: "GET", url: "/auth/oidc/login" });
      expect(response.statusCode).toBe(503);
      expect(response.json().detail).toMatch(/OIDC_\*/);
    } finally {
      await off.close();
    }
  });
});

/**
 * The JWE with one character in the middle of its ciphertext changed. A middle character carries
 * six bits of data; the last character of a base64url part may carry padding bits that decoders
 * ignore, so changing it may change nothing.
 */
function changeOneCiphertextCharacter(jwe: string): string {
  const parts = jwe.split(".");
  const ciphertext = parts[3] ?? "";
  const at = Math.floor(ciphertext.length / 2);
  const changed = ciphertext[at] === "A" ? "B" : "A";
  parts[3] = `${ciphertext.slice(0, at)}${changed}${ciphertext.slice(at + 1)}`;
  return parts.join(".");
}
