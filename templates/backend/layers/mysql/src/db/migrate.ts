/**
 * A small migration runner: applies migrations/NNNN_name.sql files in order, each once, under a
 * named lock (so two starting instances never race), recording each in schema_migrations.
 *
 * MySQL commits each DDL statement as it runs (no transactional DDL): a migration that fails half
 * way is not rolled back. Keep one change per file, and fix a failed one by hand before re-running.
 *
 * `npm run db:migrate` (src/db/migrate-cli.ts) runs it on its own; the server also applies pending
 * migrations at start.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlClient } from "./client.ts";

const LOCK_WAIT_SECONDS = 60;
// GET_LOCK names are server-wide: one per database, hashed to stay within the 64-character limit.
const LOCK_NAME = "SHA1(CONCAT('schema_migrations:', DATABASE()))";

/** The migrations folder: next to src/ in a checkout and next to dist/ in a build. */
export function migrationsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "migrations");
}

export async function migrate(sql: SqlClient, dir = migrationsDir()): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((name) => /^\d+_[\w-]+\.sql$/.test(name))
    .sort();
  return sql.session(async (session) => {
    const [lock] = await session.query<{ locked: number | null }>(
      `SELECT GET_LOCK(${LOCK_NAME}, ?) AS locked`,
      [LOCK_WAIT_SECONDS],
    );
    if (lock?.locked !== 1) {
      throw new Error(`another instance held the migrations lock for ${LOCK_WAIT_SECONDS} s`);
    }
    try {
      await session.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name varchar(255) NOT NULL PRIMARY KEY, applied_at datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))",
      );
      const done = new Set(
        (await session.query<{ name: string }>("SELECT name FROM schema_migrations")).map(
          (r) => r.name,
        ),
      );
      const applied: string[] = [];
      for (const name of files) {
        if (done.has(name)) continue;
        await session.exec(readFileSync(join(dir, name), "utf8"));
        await session.query("INSERT INTO schema_migrations (name) VALUES (?)", [name]);
        applied.push(name);
      }
      return applied;
    } finally {
      await session.query(`SELECT RELEASE_LOCK(${LOCK_NAME})`);
    }
  });
}
