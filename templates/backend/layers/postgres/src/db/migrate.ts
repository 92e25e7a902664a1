/**
 * A small migration runner: applies migrations/NNNN_name.sql files in order, each once, all in one
 * transaction under an advisory lock (so two starting instances never race). The same files run on
 * PGlite and on PostgreSQL.
 *
 * `npm run db:migrate` (src/db/migrate-cli.ts) runs it on its own; the server also applies pending
 * migrations at start.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlClient } from "./client.ts";

const LOCK_ID = 7_362_514; // any constant shared by every instance of this app

/** The migrations folder: next to src/ in a checkout and next to dist/ in a build. */
export function migrationsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "migrations");
}

export async function migrate(sql: SqlClient, dir = migrationsDir()): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((name) => /^\d+_[\w-]+\.sql$/.test(name))
    .sort();
  return sql.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_ID]);
    await tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set(
      (await tx.query<{ name: string }>("SELECT name FROM schema_migrations")).map((r) => r.name),
    );
    const applied: string[] = [];
    for (const name of files) {
      if (done.has(name)) continue;
      await tx.exec(readFileSync(join(dir, name), "utf8"));
      await tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [name]);
      applied.push(name);
    }
    return applied;
  });
}
