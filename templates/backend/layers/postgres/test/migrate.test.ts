import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/db/migrate.ts";
import { copyEmptyPglite, openTestDatabase } from "./support/database.ts";

const run = promisify(execFile);

describe("migrations", () => {
  it("are applied once: a second run applies nothing", async () => {
    const db = await openTestDatabase(); // already migrated
    try {
      expect(await migrate(db.sql)).toEqual([]);
      const rows = await db.sql.query<{ name: string }>(
        "SELECT name FROM schema_migrations ORDER BY name",
      );
      expect(rows.map((r) => r.name)[0]).toBe("0001_notes.sql");
    } finally {
      await db.close();
    }
  });

  it("npm run db:migrate applies them to an embedded database, then finds it up to date", async () => {
    const dir = mkdtempSync(join(tmpdir(), "db-migrate-"));
    copyEmptyPglite(join(dir, "data")); // an empty database, as initdb leaves it
    const env = {
      ...process.env,
      DATABASE_URL: "",
      PGLITE_DATA_DIR: join(dir, "data"),
      NODE_ENV: "test",
    };
    const cli = ["--experimental-strip-types", "--no-warnings", "src/db/migrate-cli.ts"];
    try {
      const first = await run(process.execPath, cli, { env });
      expect(first.stdout).toMatch(/^Applied 0001_notes\.sql/);
      const second = await run(process.execPath, cli, { env });
      expect(second.stdout.trim()).toBe("The database is up to date.");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Two Node processes each open an embedded database: seconds on a quiet machine, far more on a busy CI runner.
  }, 120_000);
});
