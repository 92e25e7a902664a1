import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { configProblems, TEST_SECRET } from "./support/app.ts";
import { oidcEnv } from "./support/oidc-env.ts";

const client = { id: "app", secret: "secret" };
const valid = { ...oidcEnv("https://id.example.com", client), JWT_SECRET: TEST_SECRET };

describe("OIDC_* configuration", () => {
  it("reads a valid configuration", async () => {
    const config = await loadConfig(valid);
    expect(config.oidc?.issuer.href).toBe("https://id.example.com/");
    expect(config.oidc?.linkVerifiedEmail).toBe(false);
    expect(config.oidc?.allowHttp).toBe(false);
    expect(
      (await loadConfig({ ...valid, OIDC_LINK_VERIFIED_EMAIL: "true" })).oidc?.linkVerifiedEmail,
    ).toBe(true);
  });

  it("is off without any OIDC_*, in production too (its routes answer 503)", async () => {
    expect((await loadConfig({ NODE_ENV: "test" })).oidc).toBeUndefined();
    const production = { NODE_ENV: "production", JWT_SECRET: TEST_SECRET, LOG_LEVEL: "silent" };
    expect((await loadConfig(production)).oidc).toBeUndefined();
    expect(await configProblems({ ...production, OIDC_CLIENT_ID: "app" })).toHaveLength(4);
  });

  it("one line per missing variable when only some are set", async () => {
    expect(
      await configProblems({ NODE_ENV: "test", OIDC_ISSUER: "https://id.example.com" }),
    ).toEqual([
      "OIDC_CLIENT_ID is missing (see .env.example)",
      "OIDC_CLIENT_SECRET is missing (see .env.example)",
      "OIDC_REDIRECT_URI is missing (see .env.example)",
      "OIDC_POST_LOGIN_REDIRECT is missing (see .env.example)",
    ]);
  });

  it("one line per malformed value, naming the variable", async () => {
    const lines = await configProblems({
      ...valid,
      NODE_ENV: "test",
      OIDC_ISSUER: "not a url",
      OIDC_REDIRECT_URI: "https://api.example.com/wrong/path",
      OIDC_LINK_VERIFIED_EMAIL: "yes",
    });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^OIDC_LINK_VERIFIED_EMAIL must be true or false/);
    expect(lines[1]).toMatch(/^OIDC_ISSUER must be an absolute URL/);
    expect(lines[2]).toMatch(/^OIDC_REDIRECT_URI must be this server's \/auth\/oidc\/callback URL/);
  });

  it("http:// only for loopback hosts, and never in production", async () => {
    const local = oidcEnv("http://127.0.0.1:8080/realms/dev", client);
    expect((await loadConfig({ ...local, NODE_ENV: "development" })).oidc?.allowHttp).toBe(true);
    expect(
      await configProblems({ ...local, NODE_ENV: "test", OIDC_ISSUER: "http://id.example.com" }),
    ).toEqual([
      expect.stringMatching(/^OIDC_ISSUER must be an https URL \(http:\/\/ only for localhost/),
    ]);
    const production = await configProblems({ ...local, NODE_ENV: "production" });
    expect(production).toContain("OIDC_ISSUER must be an https URL in production");
    expect(production).toContain("OIDC_REDIRECT_URI must be an https URL in production");
  });

  it("the post-login page must be on an allowed origin (no open redirect)", async () => {
    expect(
      await configProblems({
        ...valid,
        NODE_ENV: "test",
        OIDC_POST_LOGIN_REDIRECT: "https://evil.example/x",
      }),
    ).toEqual([
      "OIDC_POST_LOGIN_REDIRECT must have an origin listed in CORS_ORIGIN (add https://evil.example to it)",
    ]);
    // This server's own origin needs no CORS.
    const own = {
      ...valid,
      OIDC_POST_LOGIN_REDIRECT: "http://127.0.0.1:3000/app",
      CORS_ORIGIN: "",
    };
    expect(await configProblems({ ...own, NODE_ENV: "test" })).toEqual([]);
    expect(
      await configProblems({
        ...valid,
        NODE_ENV: "test",
        OIDC_POST_LOGIN_REDIRECT: "https://app.example/#x",
      }),
    ).toEqual([
      expect.stringMatching(/^OIDC_POST_LOGIN_REDIRECT must not hold credentials or a #fragment/),
    ]);
  });
});
