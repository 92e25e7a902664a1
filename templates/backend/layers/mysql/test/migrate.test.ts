import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/db/migrate.ts";
import { createTestDatabase, openTestDatabase } from "./support/database.ts";

const run = promisify(execFile);
const cli = ["--experimental-strip-types", "--no-warnings", "src/db/migrate-cli.ts"];

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

  it("two instances starting at once apply each migration once (the lock orders them)", async () => {
    const db = await openTestDatabase();
    try {
      // Back to an empty database: every table the migrations made (whichever layers added them).
      await db.sql.session(async (s) => {
        const tables = await s.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()",
        );
        const names = tables.map((t) => `\`${t.name}\``).join(", ");
        await s.exec(`SET FOREIGN_KEY_CHECKS = 0; DROP TABLE ${names}; SET FOREIGN_KEY_CHECKS = 1`);
      });
      const [first, second] = await Promise.all([migrate(db.sql), migrate(db.sql)]);
      expect([...first, ...second].sort()).toEqual([...new Set([...first, ...second])].sort());
      expect(first.length + second.length).toBeGreaterThan(0);
      expect(first.length === 0 || second.length === 0).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("npm run db:migrate applies them to DATABASE_URL, then finds it up to date", async () => {
    const { url, drop } = await createTestDatabase();
    const env = { ...process.env, DATABASE_URL: url, NODE_ENV: "test" };
    try {
      const first = await run(process.execPath, cli, { env });
      expect(first.stdout).toMatch(/^Applied 0001_notes\.sql/);
      const second = await run(process.execPath, cli, { env });
      expect(second.stdout.trim()).toBe("The database is up to date.");
    } finally {
      await drop();
    }
  });

  it("npm run db:migrate without DATABASE_URL says in one line how to start a server", async () => {
    const env = { ...process.env, DATABASE_URL: "", NODE_ENV: "test" };
    const failed = await run(process.execPath, cli, { env }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toMatch(
      /^db:migrate failed: DATABASE_URL is not set: .*docker compose up -d mysql/,
    );
    expect(failed.stderr.trim().split("\n")).toHaveLength(1);
  });
});
