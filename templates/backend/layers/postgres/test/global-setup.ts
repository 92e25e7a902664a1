import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/**
 * Tests run on PostgreSQL at DATABASE_URL when it is set (each test file in its own schema), and
 * otherwise on in-memory PGlite (one instance per test file).
 */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log(
      "tests: database = embedded PGlite (in memory); set DATABASE_URL to use PostgreSQL",
    );
    // initdb once (seconds); every test database starts from a copy of this empty one.
    const pglite = await PGlite.create();
    const image = await pglite.dumpDataDir("none");
    await pglite.close();
    const dir = mkdtempSync(path.join(tmpdir(), "pglite-tests-"));
    const file = path.join(dir, "empty.tar");
    writeFileSync(file, Buffer.from(await image.arrayBuffer()));
    process.env.TEST_PGLITE_IMAGE = file;
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
