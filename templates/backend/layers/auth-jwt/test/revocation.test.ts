/**
 * What a still-valid access token of a deleted user gets. Requests are authenticated from the
 * token and a per-process cache of users (src/auth/user-cache.ts), not a database lookup each:
 * - deleted through this server (AuthService.deleteUser): refused at once;
 * - deleted by another instance of the server, or by hand: refused once this instance's cache entry
 *   ends (a minute), and meanwhile it finds nothing (the notes went with the user), writes nothing
 *   and `me` is refused;
 * - at refresh, refused in every case (the refresh token went with the user);
 * - once expired, refused like any other token.
 * Logging out ends the refresh token at once and leaves the access token to its expiry.
 * These run through the services, so they hold for REST and GraphQL alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthRepository } from "../src/auth/repository.ts";
import { AuthService } from "../src/auth/service.ts";
import { TokenService } from "../src/auth/tokens.ts";
import type { AuthResult } from "../src/auth/types.ts";
import { UserCache } from "../src/auth/user-cache.ts";
import { createTestApp } from "./support/app.ts";

const PASSWORD = "correct horse battery staple";

let t: Awaited<ReturnType<typeof createTestApp>>;
let repository: ReturnType<typeof createAuthRepository>;
let auth: AuthService;

beforeAll(async () => {
  t = await createTestApp();
  repository = createAuthRepository(t.db as never);
  auth = t.app.auth;
});

afterAll(async () => {
  await t?.close();
});

const newUser = (): Promise<AuthResult> =>
  auth.register(`revoked-${Math.random().toString(36).slice(2)}@example.com`, PASSWORD);

/** The AppError code a promise rejects with (fails the test when it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => expect.fail("expected a rejection"),
    (reason: unknown) => reason,
  );
  // The app's AppError class is not always this file's (the app's plugins load on their own).
  expect(error).toMatchObject({ name: "AppError" });
  return (error as { code: unknown }).code;
}

describe("a deleted user's access token", () => {
  it("is refused at once by the server that deleted the user", async () => {
    const session = await newUser();
    expect(await auth.authenticate(session.accessToken)).toEqual(session.user); // now cached
    expect(await auth.deleteUser(session.user.id)).toBe(true);
    expect(await codeOf(auth.authenticate(session.accessToken))).toBe("UNAUTHENTICATED");
  });

  it("elsewhere lasts until the cache entry ends, reading nothing and writing nothing", async () => {
    let now = Date.now();
    const replica = new AuthService(repository, new TokenService(t.config.jwt), {
      users: new UserCache(60_000, 100, () => now),
    });
    const session = await newUser();
    await t.app.notes.create(session.user.id, { title: "before", body: "" });
    expect(await replica.authenticate(session.accessToken)).toEqual(session.user); // cached there
    expect(await auth.deleteUser(session.user.id)).toBe(true); // by another instance

    // Until its cache entry ends, the other instance still takes the token...
    expect(await replica.authenticate(session.accessToken)).toEqual(session.user);
    // ... which leaves nothing: the notes went with the user, a new one is refused, `me` is 401.
    expect((await t.app.notes.list(session.user.id, {})).items).toEqual([]);
    expect(await codeOf(t.app.notes.create(session.user.id, { title: "after", body: "" }))).toBe(
      "UNAUTHENTICATED",
    );
    expect(await codeOf(replica.me(session.user.id))).toBe("UNAUTHENTICATED");

    now += 60_000;
    expect(await codeOf(replica.authenticate(session.accessToken))).toBe("UNAUTHENTICATED");
  });

  it("ends at refresh: the user's refresh token is refused", async () => {
    const session = await newUser();
    await repository.deleteUser(session.user.id);
    expect(await codeOf(auth.refresh(session.refreshToken))).toBe("UNAUTHENTICATED");
  });

  it("ends at expiry like every access token", async () => {
    const session = await newUser();
    const expired = await new TokenService({ ...t.config.jwt, accessTtl: -60 }).signAccessToken(
      session.user.id,
    );
    expect(await codeOf(auth.authenticate(expired))).toBe("UNAUTHENTICATED");
  });
});

describe("logout", () => {
  it("ends the refresh token at once and leaves the access token to its expiry", async () => {
    const session = await newUser();
    await auth.logout(session.refreshToken);
    expect(await codeOf(auth.refresh(session.refreshToken))).toBe("UNAUTHENTICATED");
    expect(await auth.authenticate(session.accessToken)).toEqual(session.user);
  });
});
