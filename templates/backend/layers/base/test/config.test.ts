import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { configProblems } from "./support/app.ts";

describe("loadConfig", () => {
  it("has working defaults", async () => {
    const config = await loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe("127.0.0.1");
    expect(config.nodeEnv).toBe("development");
    expect(config.corsOrigins).toEqual([]);
    expect(config.rateLimitMax).toBe(300);
  });

  it("reports one line per bad variable, naming it", async () => {
    const problems = await configProblems({ PORT: "abc", NODE_ENV: "staging", LOG_LEVEL: "loud" });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^NODE_ENV /);
    expect(problems[1]).toMatch(/^PORT /);
    expect(problems[2]).toMatch(/^LOG_LEVEL /);
  });

  it("rejects a port out of range and CORS_ORIGIN entries that are not origins", async () => {
    expect(await configProblems({ PORT: "70000" })).toEqual([expect.stringMatching(/^PORT /)]);
    expect(await configProblems({ RATE_LIMIT_MAX: "0" })).toEqual([
      expect.stringMatching(/^RATE_LIMIT_MAX /),
    ]);
    expect(await configProblems({ CORS_ORIGIN: "https://a.example/path" })).toEqual([
      expect.stringMatching(/^CORS_ORIGIN /),
    ]);
    expect(
      (await loadConfig({ CORS_ORIGIN: "https://a.example, http://localhost:5173" })).corsOrigins,
    ).toEqual(["https://a.example", "http://localhost:5173"]);
  });
});
