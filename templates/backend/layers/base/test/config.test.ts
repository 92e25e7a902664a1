import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { TEST_JWT_SECRET } from "./support/app.ts";

const base = { JWT_SECRET: TEST_JWT_SECRET };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("has working defaults", () => {
    const config = loadConfig(base);
    expect(config.port).toBe(3000);
    expect(config.host).toBe("127.0.0.1");
    expect(config.nodeEnv).toBe("development");
    expect(config.corsOrigins).toEqual([]);
    expect(config.rateLimitMax).toBe(300);
  });

  it("reports one line per bad variable, naming it", () => {
    const problems = problemsOf({ PORT: "abc", NODE_ENV: "staging", LOG_LEVEL: "loud" });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^NODE_ENV /);
    expect(problems[1]).toMatch(/^PORT /);
    expect(problems[2]).toMatch(/^LOG_LEVEL /);
  });

  it("rejects a port out of range and CORS_ORIGIN entries that are not origins", () => {
    expect(problemsOf({ PORT: "70000" })).toEqual([expect.stringMatching(/^PORT /)]);
    expect(problemsOf({ RATE_LIMIT_MAX: "0" })).toEqual([
      expect.stringMatching(/^RATE_LIMIT_MAX /),
    ]);
    expect(problemsOf({ CORS_ORIGIN: "https://a.example/path" })).toEqual([
      expect.stringMatching(/^CORS_ORIGIN /),
    ]);
    expect(
      loadConfig({ ...base, CORS_ORIGIN: "https://a.example, http://localhost:5173" }).corsOrigins,
    ).toEqual(["https://a.example", "http://localhost:5173"]);
  });
});
