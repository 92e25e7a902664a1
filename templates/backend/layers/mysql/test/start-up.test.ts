import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_DATABASE_URL } from "../src/db/client.ts";
import { createTestDatabase } from "./support/database.ts";
import { holdPort, runServer } from "./support/server-process.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

// What `npm run dev` prints when it cannot start: one line with the fix, exit code 1, no stack.
describe("start-up failures", () => {
  it("a port in use: one line that says to set PORT", async () => {
    const { port, server } = await holdPort();
    try {
      const run = await runServer({ PORT: String(port), DATABASE_URL: database.url });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `cannot listen on 127.0.0.1:${port}: the port is in use (another server, or this one already running); stop it or set PORT to a free port, e.g. PORT=3000 in .env\n`,
      );
    } finally {
      server.close();
    }
  }, 60_000);

  it("a MySQL server that does not answer: one line that says how to start one", async () => {
    const run = await runServer({ PORT: "0", DATABASE_URL: "mysql://app:secret@127.0.0.1:9/app" });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "start-up failed: cannot reach MySQL at mysql://app:***@127.0.0.1:9/app (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:9; start it (`docker compose up -d mysql` starts the one in compose.yaml) or set DATABASE_URL\n",
    );
  }, 60_000);

  it("no DATABASE_URL: one line that says how to start a server", async () => {
    const run = await runServer({ PORT: "0" });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`start-up failed: ${NO_DATABASE_URL}\n`);
  }, 60_000);
});
