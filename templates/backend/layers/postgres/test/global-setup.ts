import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { openDatabase } from "../src/db/client.ts";

/**
 * Tests run on PostgreSQL at DATABASE_URL when it is set (each test file in its own schema), and
 * otherwise on in-memory PGlite (one instance per test app, each a copy of one migrated here).
 */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log(
      "tests: database = embedded PGlite (in memory); set DATABASE_URL to use PostgreSQL",
    );
    // initdb takes seconds, and costs the same again in every process that runs it: it runs
    // once here, and tests start from copies of its result.
    const dir = mkdtempSync(path.join(tmpdir(), "pglite-tests-"));
    // An empty database on disk, for tests that start the server (or the migration command) in
    // a process of their own (test/support/server-process.ts copies it).
    const empty = path.join(dir, "empty");
    await (await PGlite.create(empty)).close();
    // A migrated database image, for the in-process tests (test/support/database.ts).
    const migratedDir = path.join(dir, "migrated");
    cpSync(empty, migratedDir, { recursive: true });
    await (await openDatabase({ databaseUrl: undefined, dataDir: migratedDir })).close();
    const pglite = await PGlite.create(migratedDir);
    const image = await pglite.dumpDataDir("none");
    await pglite.close();
    const file = path.join(dir, "migrated.tar");
    writeFileSync(file, Buffer.from(await image.arrayBuffer()));
    process.env.TEST_PGLITE_IMAGE = file;
    process.env.TEST_PGLITE_EMPTY_DIR = empty;
    return () => rmSync(dir, { recursive: true, force: true });
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `tests: cannot reach PostgreSQL at DATABASE_URL (${redact(url)}): ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
  console.log(`tests: database = PostgreSQL at ${redact(url)}`);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}
