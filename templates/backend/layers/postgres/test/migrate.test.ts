import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { copyEmptyPglite, openTestDatabase, PGLITE_NODE_FLAGS } from "./support/database.ts";

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
    const cli = [
      ...PGLITE_NODE_FLAGS,
      "--experimental-strip-types",
      "--no-warnings",
      "src/db/migrate-cli.ts",
    ];
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

const serverUrl = process.env.DATABASE_URL || null;

describe.skipIf(serverUrl === null)(
  `migrations on a PostgreSQL server${serverUrl ? "" : " (skipped: set DATABASE_URL to run)"}`,
  () => {
    it("several instances starting at once: one applies them, the others wait, then all answer", async () => {
      const url = serverUrl as string;
      const schema = `test_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      const open = () =>
        openDatabase({ databaseUrl: url, dataDir: "" }, undefined, {
          searchPath: schema,
          migrate: false,
        });
      const instances = await Promise.all([open(), open(), open(), open()]);
      try {
        // the advisory lock makes them take turns: without it they would race on CREATE TABLE
        const applied = await Promise.all(instances.map((db) => migrate(db.sql)));
        const appliers = applied.filter((names) => names.length > 0);
        expect(appliers).toHaveLength(1);
        expect(applied.filter((names) => names.length === 0)).toHaveLength(3);
        const rows = await admin.query(
          `SELECT count(*)::int AS n FROM ${schema}.schema_migrations`,
        );
        expect(rows.rows[0].n).toBe(appliers[0]?.length);
        for (const db of instances) await db.ping();
      } finally {
        for (const db of instances) await db.close();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    });
  },
);
