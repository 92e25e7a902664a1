import { randomBytes } from "node:crypto";
import { cpSync, readFileSync } from "node:fs";
import pg from "pg";
import { type Database, openDatabase } from "../../src/db/client.ts";

let pgliteImage: Blob | undefined;

/** The migrated PGlite database of test/global-setup.ts, as an image PGlite can start from. */
export function testPgliteImage(): Blob | undefined {
  const file = process.env.TEST_PGLITE_IMAGE;
  if (file && !pgliteImage) pgliteImage = new Blob([readFileSync(file)]);
  return pgliteImage;
}

/** Node's flags for a process of its own that opens PGlite, as package.json's scripts give them. */
export const PGLITE_NODE_FLAGS = ["--no-wasm-tier-up", "--no-wasm-dynamic-tiering"];

/**
 * A copy of the empty (not migrated) PGlite database of test/global-setup.ts in `dir`, for a
 * server or command started in a process of its own; undefined when tests run on DATABASE_URL.
 */
export function copyEmptyPglite(dir: string): string | undefined {
  const empty = process.env.TEST_PGLITE_EMPTY_DIR;
  if (!empty) return undefined;
  cpSync(empty, dir, { recursive: true });
  return dir;
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or, with DATABASE_URL, a new
 * schema on that server (dropped again by close()). PGlite starts from a copy of the migrated
 * database that test/global-setup.ts created once (initdb takes seconds).
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    return openDatabase({ databaseUrl: undefined, dataDir: "memory://" }, undefined, {
      pgliteImage: testPgliteImage(),
    });
  }

  const schema = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = await openDatabase({ databaseUrl: url, dataDir: "" }, undefined, {
    searchPath: schema,
  });
  return {
    ...db,
    close: async () => {
      await db.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
