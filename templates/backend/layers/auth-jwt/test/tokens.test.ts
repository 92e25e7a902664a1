import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { TokenService } from "../src/auth/tokens.ts";
import { TEST_SECRET } from "./support/app.ts";

const config = {
  secret: TEST_SECRET,
  accessTtl: 900,
  refreshTtl: 3600,
  issuer: "test-issuer",
  audience: "test-audience",
};
const tokens = new TokenService(config);
const key = new TextEncoder().encode(TEST_SECRET);
const now = Math.floor(Date.now() / 1000);

function forge(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "HS256", typ: "at+jwt" },
  signingKey = key,
) {
  return new SignJWT({
    sub: "user-1",
    iss: config.issuer,
    aud: config.audience,
    iat: now,
    exp: now + 60,
    ...claims,
  })
    .setProtectedHeader(header as { alg: string })
    .sign(signingKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("access tokens", () => {
  it("round-trip: sub, iat, exp (15 min), iss, aud, HS256, typ at+jwt", async () => {
    const token = await tokens.signAccessToken("user-1");
    expect(await tokens.verifyAccessToken(token)).toBe("user-1");
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
    expect(header).toEqual({ alg: "HS256", typ: "at+jwt" });
    expect(payload.exp - payload.iat).toBe(900);
    expect(payload).toMatchObject({ sub: "user-1", iss: "test-issuer", aud: "test-audience" });
  });

  it("accepts a valid forged token (the forging helper is right)", async () => {
    expect(await tokens.verifyAccessToken(await forge({}))).toBe("user-1");
  });

  it("rejects alg none in every spelling", async () => {
    const payload = b64({
      sub: "user-1",
      iss: config.issuer,
      aud: config.audience,
      iat: now,
      exp: now + 60,
    });
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      expect(
        await tokens.verifyAccessToken(`${b64({ alg, typ: "at+jwt" })}.${payload}.`),
      ).toBeNull();
    }
  });

  it("rejects other algorithms, other keys and tampering", async () => {
    expect(
      await tokens.verifyAccessToken(await forge({}, { alg: "HS512", typ: "at+jwt" })),
    ).toBeNull();
    const otherKey = new TextEncoder().encode("another-secret-another-secret-another!");
    expect(await tokens.verifyAccessToken(await forge({}, undefined, otherKey))).toBeNull();
    const valid = await forge({});
    const [h, , s] = valid.split(".");
    const tampered = `${h}.${b64({ sub: "user-2", iss: config.issuer, aud: config.audience, iat: now, exp: now + 60 })}.${s}`;
    expect(await tokens.verifyAccessToken(tampered)).toBeNull();
    for (const bad of [
      "",
      "a.b",
      "a.b.c.d",
      `${valid}=`,
      `${valid.slice(0, -3)}`,
      "x".repeat(16_000),
    ]) {
      expect(await tokens.verifyAccessToken(bad)).toBeNull();
    }
  });

  it("checks exp, nbf, iss, aud, typ and the required claims", async () => {
    const bad = [
      await forge({ exp: now - 1 }),
      await forge({ exp: "9999999999" }),
      await forge({ nbf: now + 300 }),
      await forge({ iss: "someone-else" }),
      await forge({ aud: "someone-else" }),
      await forge({ aud: ["x", "y"] }),
      await forge({ iss: undefined }),
      await forge({ aud: undefined }),
      await forge({ exp: undefined }),
      await forge({ sub: undefined }),
      await forge({ iat: undefined }),
      await forge({}, { alg: "HS256" }),
      await forge({}, { alg: "HS256", typ: "JWT" }),
    ];
    for (const token of bad) expect(await tokens.verifyAccessToken(token)).toBeNull();
  });

  it("refresh tokens are 256 random bits, stored as SHA-256", () => {
    const token = tokens.newRefreshToken();
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(tokens.newRefreshToken()).not.toBe(token);
    expect(tokens.hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});
