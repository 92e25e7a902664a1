import { describe, expect, inject, it } from "vitest";
import { holdPort, runServer } from "./support/server-process.ts";

// What `npm run dev` prints when it cannot start: one line with the fix, exit code 1, no stack.
describe("start-up failures", () => {
  it("a port in use: one line that says to set PORT", async () => {
    const { port, server } = await holdPort();
    try {
      const run = await runServer({ PORT: String(port), MONGODB_URI: inject("mongodbUri") });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `cannot listen on 127.0.0.1:${port}: the port is in use (another server, or this one already running); stop it or set PORT to a free port, e.g. PORT=3000 in .env\n`,
      );
    } finally {
      server.close();
    }
  }, 60_000);

  it("a MongoDB server that does not answer: one line that says how to start one", async () => {
    const run = await runServer({ PORT: "0", MONGODB_URI: "mongodb://127.0.0.1:9/app" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^start-up failed: cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:9\/app \(MONGODB_URI\): [^\n]+; start one \(`docker compose up -d mongo` starts the one in compose\.yaml\) or set MONGODB_URI\n$/,
    );
  }, 60_000);
});
