import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { configProblems, TEST_SECRET } from "./support/app.ts";

describe("JWT_SECRET", () => {
  it("production refuses a missing, short or placeholder secret, never printing it", async () => {
    const secrets = [
      undefined,
      "short-secret-16b",
      "change-me-to-at-least-32-random-bytes",
      "a".repeat(64),
      "secretsecretsecretsecretsecretsecret",
    ];
    for (const secret of secrets) {
      const env: Record<string, string> = { NODE_ENV: "production" };
      if (secret !== undefined) env.JWT_SECRET = secret;
      const problems = await configProblems(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^JWT_SECRET /);
      if (secret) expect(problems[0]).not.toContain(secret);
    }
  });

  it("production accepts a long random secret", async () => {
    const config = await loadConfig({ NODE_ENV: "production", JWT_SECRET: TEST_SECRET });
    expect(config.jwt.secret).toBe(TEST_SECRET);
    expect(config.jwt.accessTtl).toBe(900);
  });

  it("development starts with a throw-away secret and a warning", async () => {
    const config = await loadConfig({ NODE_ENV: "development" });
    expect(Buffer.byteLength(config.jwt.secret)).toBeGreaterThanOrEqual(32);
  });

  it("parses token lifetimes", async () => {
    const config = await loadConfig({
      JWT_SECRET: TEST_SECRET,
      JWT_ACCESS_TTL: "5m",
      JWT_REFRESH_TTL: "7d",
    });
    expect(config.jwt.accessTtl).toBe(300);
    expect(config.jwt.refreshTtl).toBe(604_800);
    expect(await configProblems({ JWT_SECRET: TEST_SECRET, JWT_ACCESS_TTL: "soon" })).toEqual([
      expect.stringMatching(/^JWT_ACCESS_TTL /),
    ]);
  });
});
