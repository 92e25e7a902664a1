import { describe, expect, it } from "vitest";
import { connectionCeiling, openFilesLimit } from "../src/config/connections.ts";
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

  it("caps connections below the open-files limit, and per client address", async () => {
    const openFiles = openFilesLimit();
    const defaults = await loadConfig({});
    expect(defaults.maxConnections).toBe(Math.min(10_000, connectionCeiling(openFiles)));
    if (openFiles !== undefined) expect(defaults.maxConnections).toBeLessThan(openFiles);
    expect(defaults.maxConnectionsPerAddress).toBe(Math.min(256, defaults.maxConnections));
    expect(connectionCeiling(1024)).toBe(768);
    const low = await loadConfig({ MAX_CONNECTIONS: "10", MAX_CONNECTIONS_PER_ADDRESS: "50" });
    expect([low.maxConnections, low.maxConnectionsPerAddress]).toEqual([10, 10]);
    expect(
      await configProblems({ MAX_CONNECTIONS: "0", MAX_CONNECTIONS_PER_ADDRESS: "x" }),
    ).toEqual([
      expect.stringMatching(/^MAX_CONNECTIONS /),
      expect.stringMatching(/^MAX_CONNECTIONS_PER_ADDRESS /),
    ]);
    if (openFiles !== undefined) {
      expect(await configProblems({ MAX_CONNECTIONS: String(openFiles) })).toEqual([
        expect.stringMatching(/^MAX_CONNECTIONS must be at most \d+ /),
      ]);
    }
  });

  it("limits the notes one owner may store (NOTES_MAX_PER_OWNER, 10,000 by default)", async () => {
    expect((await loadConfig({})).notesMaxPerOwner).toBe(10_000);
    expect((await loadConfig({ NOTES_MAX_PER_OWNER: "5" })).notesMaxPerOwner).toBe(5);
    expect(await configProblems({ NOTES_MAX_PER_OWNER: "0" })).toEqual([
      expect.stringMatching(/^NOTES_MAX_PER_OWNER /),
    ]);
  });
});
