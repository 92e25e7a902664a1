import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copyEmptyPglite, PGLITE_NODE_FLAGS } from "./support/database.ts";
import { holdPort, runServer } from "./support/server-process.ts";

// What `npm run dev` prints when it cannot start: one line with the fix, exit code 1, no stack.
describe("start-up failures", () => {
  it("a port in use: one line that says to set PORT", async () => {
    const { port, server } = await holdPort();
    const dir = mkdtempSync(join(tmpdir(), "start-up-"));
    const dataDir = copyEmptyPglite(join(dir, "data")) ?? "memory://";
    try {
      const run = await runServer(
        { PORT: String(port), PGLITE_DATA_DIR: dataDir },
        { nodeFlags: PGLITE_NODE_FLAGS },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `cannot listen on 127.0.0.1:${port}: the port is in use (another server, or this one already running); stop it or set PORT to a free port, e.g. PORT=3000 in .env\n`,
      );
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("a PostgreSQL server that does not answer: one line that says how to start one", async () => {
    const run = await runServer({
      PORT: "0",
      DATABASE_URL: "postgres://app:secret@127.0.0.1:9/app",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "start-up failed: cannot open PostgreSQL at postgres://app:***@127.0.0.1:9/app (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:9; start it (`docker compose up -d postgres` starts the one in compose.yaml), or unset DATABASE_URL to use embedded PGlite\n",
    );
  }, 60_000);
});
