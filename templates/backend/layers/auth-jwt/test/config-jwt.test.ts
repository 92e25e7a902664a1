import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { TEST_JWT_SECRET } from "./support/app.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("JWT_SECRET", () => {
  it("production refuses a missing, short or placeholder secret, never printing it", () => {
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
      const problems = problemsOf(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^JWT_SECRET /);
      if (secret) expect(problems[0]).not.toContain(secret);
    }
  });

  it("production accepts a long random secret", () => {
    const config = loadConfig({ NODE_ENV: "production", JWT_SECRET: TEST_JWT_SECRET });
    expect(config.jwt.secret).toBe(TEST_JWT_SECRET);
    expect(config.jwt.accessTtl).toBe(900);
  });

  it("development starts with a throw-away secret and a warning", () => {
    const config = loadConfig({ NODE_ENV: "development" });
    expect(Buffer.byteLength(config.jwt.secret)).toBeGreaterThanOrEqual(32);
  });

  it("parses token lifetimes", () => {
    const config = loadConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_ACCESS_TTL: "5m",
      JWT_REFRESH_TTL: "7d",
    });
    expect(config.jwt.accessTtl).toBe(300);
    expect(config.jwt.refreshTtl).toBe(604_800);
    expect(problemsOf({ JWT_SECRET: TEST_JWT_SECRET, JWT_ACCESS_TTL: "soon" })).toEqual([
      expect.stringMatching(/^JWT_ACCESS_TTL /),
    ]);
  });
});
