/**
 * Adversarial tests of access and refresh tokens, passwords and login abuse. Tokens are forged
 * with `jose` directly, never with the app's TokenService, so a mistake in the app's signing code
 * cannot hide a mistake in its verification.
 * These run through the AuthService, so they hold for REST and GraphQL alike.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARGON2, PasswordHasher } from "../src/auth/password.ts";
import { createAuthRepository } from "../src/auth/repository.ts";
import { AuthService } from "../src/auth/service.ts";
import { TokenService } from "../src/auth/tokens.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { AppError } from "../src/errors.ts";
import { createTestApp, TEST_SECRET } from "./support/app.ts";

const PASSWORD = "correct horse battery staple";
const ROOT = path.resolve(import.meta.dirname, "..");

let t: Awaited<ReturnType<typeof createTestApp>>;
let repository: ReturnType<typeof createAuthRepository>;
/** Hashes passwords at the test-only cost, as the app under test does. */
let auth: AuthService;
/** Hashes at the production cost: for the tests of that cost and of login timing. */
let production: AuthService;
let userA: { id: string; email: string; accessToken: string; refreshToken: string };
let userB: { id: string; email: string; accessToken: string; refreshToken: string };
let ipCounter = 0;
/** A fresh client address per call, so the per-IP login limit stays out of the way. */
const freshIp = () => `198.51.100.${(ipCounter++ % 250) + 1}`;
const randomSuffix = () => Math.random().toString(36).slice(2);

beforeAll(async () => {
  t = await createTestApp();
  repository = createAuthRepository(t.db as never);
  const tokens = new TokenService(t.config.jwt);
  auth = new AuthService(repository, tokens, {
    hasher: new PasswordHasher(t.config.passwordHashing, ARGON2[t.config.passwordHashCost]),
  });
  production = new AuthService(repository, tokens);
  const a = await auth.register(`a-${Date.now()}@example.com`, PASSWORD);
  const b = await auth.register(`b-${Date.now()}@example.com`, PASSWORD);
  userA = { ...a.user, accessToken: a.accessToken, refreshToken: a.refreshToken };
  userB = { ...b.user, accessToken: b.accessToken, refreshToken: b.refreshToken };
});

afterAll(async () => {
  await t?.close();
});

const key = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function claims(extra: Record<string, unknown> = {}) {
  const base: Record<string, unknown> = {
    sub: userA.id,
    iss: t.config.jwt.issuer,
    aud: t.config.jwt.audience,
    iat: now(),
    exp: now() + 60,
  };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

/** A token signed with the app's real secret (test-only), with any header and claims. */
function forge(
  extra: Record<string, unknown> = {},
  header: Record<string, unknown> = { alg: "HS256", typ: "at+jwt" },
  signingKey: Parameters<SignJWT["sign"]>[0] = key,
) {
  return new SignJWT(claims(extra)).setProtectedHeader(header as { alg: string }).sign(signingKey);
}

/** "ok" when the Authorization header is accepted, else the error code; anything else fails. */
async function check(header: string | undefined): Promise<string> {
  try {
    await auth.authenticateHeader(header);
    return "ok";
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error; // a crash (would be a 500) is a failure of its own
  }
}

const bearer = async (token: string | Promise<string>) => check(`Bearer ${await token}`);

describe("alg none", () => {
  it("refuses unsigned tokens in every spelling, with or without a kept signature", async () => {
    expect(await bearer(forge())).toBe("ok"); // the forging helper is right
    const valid = await forge();
    const signature = valid.split(".")[2];
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      const unsigned = `${b64({ alg, typ: "at+jwt" })}.${b64(claims())}`;
      expect(await bearer(`${unsigned}.`)).toBe("UNAUTHENTICATED");
      expect(await bearer(`${unsigned}.${signature}`)).toBe("UNAUTHENTICATED");
    }
  });
});

describe("algorithm and key confusion", () => {
  it("refuses RS256, ES256 and EdDSA tokens signed with an attacker's key", async () => {
    for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      expect(await bearer(forge({}, { alg, typ: "at+jwt" }, privateKey))).toBe("UNAUTHENTICATED");
    }
  });

  it("ignores keys and key URLs offered in the header (jwk, jku, x5u, kid)", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(publicKey);
    expect(await bearer(forge({}, { alg: "RS256", typ: "at+jwt", jwk }, privateKey))).toBe(
      "UNAUTHENTICATED",
    );
    const attackerSecret = new TextEncoder().encode("attacker-chosen-secret-attacker-chosen!!");
    for (const header of [
      { jwk: { kty: "oct", k: Buffer.from(attackerSecret).toString("base64url") } },
      { jku: "https://evil.example/jwks.json" },
      { x5u: "https://evil.example/cert.pem" },
      { kid: "../../../../dev/null" },
      { kid: "' OR 1=1--" },
    ]) {
      expect(
        await bearer(forge({}, { alg: "HS256", typ: "at+jwt", ...header }, attackerSecret)),
      ).toBe("UNAUTHENTICATED");
    }
    // an empty key (what kid: /dev/null would resolve to) signs nothing the app accepts
    expect(
      await bearer(
        forge({}, { alg: "HS256", typ: "at+jwt", kid: "/dev/null" }, new Uint8Array(32)),
      ),
    ).toBe("UNAUTHENTICATED");
  });

  it("pins HS256: other HMAC algorithms with the right secret are refused", async () => {
    for (const alg of ["HS384", "HS512"]) {
      expect(await bearer(forge({}, { alg, typ: "at+jwt" }))).toBe("UNAUTHENTICATED");
    }
  });
});

describe("tampered and malformed tokens", () => {
  it("refuses any change to a valid token, and never crashes", async () => {
    const valid = userA.accessToken;
    expect(await bearer(valid)).toBe("ok");
    const [h, p, s] = valid.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const other = userB.accessToken.split(".")[2];
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
    const tampered = [
      `${h}.${b64({ ...payload, sub: userB.id })}.${s}`, // sub → B
      `${h}.${flip(p, 5)}.${s}`,
      `${h}.${p}.${flip(s, 3)}`,
      `${h}.${p}.${s.slice(0, -4)}`, // truncated signature
      `${h}.${p}.${other}`, // signature of another token
      `${h}.${p}.${s}=`, // padding
      `${h}.${p}==.${s}`,
      `${h}.${p}.${s.replace(/.$/, "*")}`, // not base64url
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}.${s}.${s}`,
      `${h}..${s}`,
      `.${p}.${s}`,
      "..",
      `${h}.${"A".repeat(16_384)}.${s}`, // 16 KB
    ];
    for (const token of tampered) expect(await bearer(token)).toBe("UNAUTHENTICATED");
  });
});

describe("expiry and not-before", () => {
  it("refuses an expired token, accepts one about to expire (no leeway beyond 60 s)", async () => {
    expect(await bearer(forge({ exp: now() - 61 }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({ exp: now() - 1 }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({ exp: now() + 5 }))).toBe("ok");
  });

  it("refuses exp of the wrong type", async () => {
    for (const exp of [String(now() + 60), -1, null, true, [now() + 60], { n: 1 }]) {
      expect(await bearer(forge({ exp }))).toBe("UNAUTHENTICATED");
    }
  });

  it("refuses a token that is not valid yet (nbf in 5 minutes)", async () => {
    expect(await bearer(forge({ nbf: now() + 300 }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({ nbf: now() - 10 }))).toBe("ok");
  });
});

describe("issuer, audience, required claims, token types", () => {
  it("requires our issuer and audience", async () => {
    for (const extra of [
      { iss: "https://evil.example" },
      { aud: "someone-else" },
      { aud: ["someone-else", "another"] },
      { iss: undefined },
      { aud: undefined },
    ]) {
      expect(await bearer(forge(extra))).toBe("UNAUTHENTICATED");
    }
  });

  it("requires exp and sub, and a user that still exists", async () => {
    expect(await bearer(forge({ exp: undefined }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({ sub: undefined }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({ sub: "" }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({ sub: "00000000-0000-4000-8000-000000000000" }))).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("keeps access and refresh tokens apart (typ at+jwt; opaque refresh tokens)", async () => {
    expect(await bearer(forge({}, { alg: "HS256" }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({}, { alg: "HS256", typ: "JWT" }))).toBe("UNAUTHENTICATED");
    expect(await bearer(forge({}, { alg: "HS256", typ: "refresh+jwt" }))).toBe("UNAUTHENTICATED");
    expect(await bearer(userA.refreshToken)).toBe("UNAUTHENTICATED");
    await expect(auth.refresh(userA.accessToken)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});

describe("Authorization header format", () => {
  it("accepts the scheme in any case, nothing else", async () => {
    expect(await check(`bearer ${userA.accessToken}`)).toBe("ok");
    expect(await check(`BEARER ${userA.accessToken}`)).toBe("ok");
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      `Token ${userA.accessToken}`,
      `Basic ${Buffer.from(`a:${PASSWORD}`).toString("base64")}`,
      `Bearer  ${userA.accessToken}`,
      `Bearer ${userA.accessToken} extra`,
      `Bearer ${userA.accessToken}, Bearer ${userB.accessToken}`,
      userA.accessToken,
    ]) {
      expect(await check(header)).toBe("UNAUTHENTICATED");
    }
  });
});

describe("weak secrets", () => {
  const production = (secret: string | undefined) => () =>
    loadConfig({
      NODE_ENV: "production",
      LOG_LEVEL: "silent",
      ...(secret === undefined ? {} : { JWT_SECRET: secret }),
    });

  it("production refuses a missing, placeholder, short or repetitive JWT_SECRET, never printing it", async () => {
    const example = /^JWT_SECRET=(.*)$/m.exec(
      readFileSync(path.join(ROOT, ".env.example"), "utf8"),
    );
    const candidates = [
      undefined,
      "",
      example?.[1] ?? "change-me",
      "secret",
      "changeme",
      "0123456789abcdef", // 16 bytes
      "a".repeat(64),
      "secretsecretsecretsecretsecretsecret",
    ];
    for (const secret of candidates) {
      let error: unknown;
      try {
        await production(secret)();
      } catch (caught) {
        error = caught;
      }
      expect(error, `JWT_SECRET=${JSON.stringify(secret)}`).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/JWT_SECRET/);
      if (secret) expect(message).not.toContain(secret);
    }
    await expect(production(TEST_SECRET)()).resolves.toBeDefined();
  });

  it("the secret in the generated .env is long, random and not in a wordlist", async () => {
    if (!existsSync(path.join(ROOT, ".env"))) return; // a clone without .env: nothing to check
    const secret = /^JWT_SECRET=(.*)$/m.exec(readFileSync(path.join(ROOT, ".env"), "utf8"))?.[1];
    if (!secret) return;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    await expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: secret })).resolves.toBeDefined();
    const tokens = new TokenService({ ...t.config.jwt, secret });
    const token = await tokens.signAccessToken("someone");
    const wordlist = ["secret", "changeme", "change-me", "password", "jwt", "key", "test"];
    for (const word of [...wordlist, ...wordlist.map((w) => w.repeat(8))]) {
      await expect(jwtVerify(token, new TextEncoder().encode(word))).rejects.toThrow();
    }
  });
});

describe("refresh tokens", () => {
  it("rotation and reuse detection: reusing R1 revokes R2", async () => {
    const first = await auth.register(`rot-${Date.now()}@example.com`, PASSWORD);
    const second = await auth.refresh(first.refreshToken);
    await expect(auth.refresh(first.refreshToken)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(auth.refresh(second.refreshToken)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  it("concurrent use of one refresh token: at most one success", async () => {
    const first = await auth.register(`race-${Date.now()}@example.com`, PASSWORD);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => auth.refresh(first.refreshToken)),
    );
    expect(results.filter((r) => r.status === "fulfilled").length).toBeLessThanOrEqual(1);
  });

  it("logout revokes the refresh token", async () => {
    const first = await auth.register(`logout-${Date.now()}@example.com`, PASSWORD);
    await auth.logout(first.refreshToken);
    await expect(auth.refresh(first.refreshToken)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  it("stores only a SHA-256 hash of refresh tokens, which carry 256 random bits", async () => {
    const { refreshToken } = await auth.login(userA.email, PASSWORD, freshIp());
    expect(Buffer.from(refreshToken, "base64url").length).toBeGreaterThanOrEqual(32);
    const hash = createHash("sha256").update(refreshToken).digest("hex");
    expect(await repository.findFamily(hash)).toEqual(expect.any(String));
    expect(await repository.findFamily(refreshToken)).toBeNull();
  });
});

describe("password storage", () => {
  it("argon2id with m ≥ 19456 KiB, t ≥ 2, p ≥ 1 and a salt per user", async () => {
    const emails = [`salt-a-${randomSuffix()}@example.com`, `salt-b-${randomSuffix()}@example.com`];
    for (const email of emails) await production.register(email, PASSWORD);
    const a = await repository.findUserByEmail(emails[0] as string);
    const b = await repository.findUserByEmail(emails[1] as string);
    for (const record of [a, b]) {
      const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(
        record?.passwordHash ?? "",
      );
      expect(match, record?.passwordHash).not.toBeNull();
      const [, m, tCost, p] = match as RegExpExecArray;
      expect(Number(m)).toBeGreaterThanOrEqual(19_456);
      expect(Number(tCost)).toBeGreaterThanOrEqual(2);
      expect(Number(p)).toBeGreaterThanOrEqual(1);
      expect(record?.passwordHash).not.toContain(PASSWORD);
    }
    // same password, different salts and hashes
    expect(a?.passwordHash.split("$")[4]).not.toBe(b?.passwordHash.split("$")[4]);
    expect(a?.passwordHash).not.toBe(b?.passwordHash);
  });

  it("accepts long and Unicode passwords; bounds the length before hashing", async () => {
    const unicode = "pässwörd 🔑 пароль 密码 ".repeat(3);
    const long = "x".repeat(64);
    for (const password of [unicode, long]) {
      const email = `pw-${Math.random().toString(36).slice(2)}@example.com`;
      await auth.register(email, password);
      expect((await auth.login(email, password, freshIp())).user.email).toBe(email);
    }
    await expect(auth.register("toolong@example.com", "x".repeat(1025))).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    // a 1 MiB password at login is refused without hashing it (no slow path)
    await expect(auth.login(userB.email, "x".repeat(1_048_576), freshIp())).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});

describe("login throttling", () => {
  it("failures from many addresses hold an account without its device token, not its owner", async () => {
    const owner = await auth.register(`brute-${Date.now()}@example.com`, PASSWORD);
    expect(owner.deviceToken).toEqual(expect.any(String));
    const codes: string[] = [];
    for (let i = 0; i < 52; i++) {
      codes.push(
        await auth.login(owner.user.email, "wrong password", `203.0.113.${i + 1}`).then(
          () => "ok",
          (e: AppError) => e.code,
        ),
      );
    }
    expect(codes.slice(0, 50).every((c) => c === "UNAUTHENTICATED")).toBe(true);
    expect(codes.slice(50)).toEqual(["RATE_LIMITED", "RATE_LIMITED"]);
    // the right password without a device token, from a new address, is still refused
    const error = await auth.login(owner.user.email, PASSWORD, freshIp()).catch((e: AppError) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("RATE_LIMITED");
    expect((error as AppError).retryAfter).toBeGreaterThan(0);
    expect((error as AppError).retryAfter).toBeLessThanOrEqual(3600);
    // the owner's device token (from registering) gets in, and a new one comes with it
    const ok = await auth.login(owner.user.email, PASSWORD, freshIp(), owner.deviceToken);
    expect(ok.user).toEqual(owner.user);
    expect(ok.deviceToken).toEqual(expect.any(String));
    expect(ok.deviceToken).not.toBe(owner.deviceToken);
    // another account's device token does not
    await expect(
      auth.login(
        owner.user.email,
        PASSWORD,
        freshIp(),
        (await auth.register(`other-${Date.now()}@example.com`, PASSWORD)).deviceToken,
      ),
    ).rejects.toMatchObject({ code: "RATE_LIMITED" });
  });

  it("limits failed logins per client address across emails", async () => {
    const ip = "203.0.113.77";
    const codes: string[] = [];
    for (let i = 0; i < 32; i++) {
      codes.push(
        await auth.login(`spray-${i}@example.com`, "wrong password", ip).then(
          () => "ok",
          (e: AppError) => e.code,
        ),
      );
    }
    expect(codes.filter((c) => c === "RATE_LIMITED").length).toBeGreaterThanOrEqual(1);
    expect(codes.slice(0, 30).every((c) => c === "UNAUTHENTICATED")).toBe(true);
  });
});

describe("passwords are hashed exactly as sent", () => {
  it("a password that is not well-formed Unicode is BAD_USER_INPUT at register and login", async () => {
    // "\ud800" alone would be hashed as U+FFFD: these three would all be one password
    const lone = ["pässwörd \ud800 long enough", "pässwörd \udfff long enough"];
    for (const password of lone) {
      await expect(
        auth.register(`lone-${randomSuffix()}@example.com`, password),
      ).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        message: expect.stringMatching(/well-formed Unicode/),
      });
      await expect(auth.login(userA.email, password, freshIp())).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
      });
    }
    const replaced = "pässwörd \ufffd long enough";
    const email = `fffd-${randomSuffix()}@example.com`;
    await auth.register(email, replaced);
    for (const password of lone) {
      await expect(auth.login(email, password, freshIp())).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
      });
    }
    expect((await auth.login(email, replaced, freshIp())).user.email).toBe(email);
    // a pair (an emoji) is well-formed, and halves of pairs in the wrong order are not
    expect(
      (await auth.register(`pair-${randomSuffix()}@example.com`, "key \ud83d\udd11 long")).user,
    ).toBeDefined();
    await expect(
      auth.register(`rev-${randomSuffix()}@example.com`, "key \udd11\ud83d long"),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("no Unicode normalisation: the NFC and NFD spellings of a password are different passwords", async () => {
    const nfc = "caf\u00e9 au lait".normalize("NFC");
    const nfd = nfc.normalize("NFD");
    expect(nfd).not.toBe(nfc);
    const email = `nfc-${randomSuffix()}@example.com`;
    await auth.register(email, nfc);
    expect((await auth.login(email, nfc, freshIp())).user.email).toBe(email);
    await expect(auth.login(email, nfd, freshIp())).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});

describe("user enumeration", () => {
  it("an unknown email and a wrong password fail identically", async () => {
    const unknown = await auth
      .login("nobody-here@example.com", "wrong password", freshIp())
      .catch((e: AppError) => e);
    const wrong = await auth
      .login(userB.email, "wrong password", freshIp())
      .catch((e: AppError) => e);
    expect(unknown).toBeInstanceOf(AppError);
    expect(wrong).toBeInstanceOf(AppError);
    expect([(unknown as AppError).code, (unknown as AppError).message]).toEqual([
      (wrong as AppError).code,
      (wrong as AppError).message,
    ]);
  });

  it("an unknown email costs about as much time as a wrong password (statistical, tolerant)", async () => {
    // Several known users, so no account's limit is ever reached.
    const known = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const email = `timing-${i}-${Date.now()}@example.com`;
        await production.register(email, PASSWORD);
        return email;
      }),
    );
    const time = async (email: string) => {
      const start = process.hrtime.bigint();
      await production.login(email, "wrong password", freshIp()).catch(() => {});
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await time("warm-up@example.com");
    const unknownTimes: number[] = [];
    const knownTimes: number[] = [];
    for (let i = 0; i < 18; i++) {
      unknownTimes.push(await time(`unknown-${i}-${Date.now()}@example.com`));
      knownTimes.push(await time(known[i % known.length] as string));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
    const ratio = median(unknownTimes) / median(knownTimes);
    // Without the dummy hash an unknown email answers ~50x faster; allow wide noise either way.
    expect(
      ratio,
      `unknown ${median(unknownTimes)} ms / known ${median(knownTimes)} ms`,
    ).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });
});
