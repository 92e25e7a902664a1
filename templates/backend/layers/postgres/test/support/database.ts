import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { type Database, openDatabase } from "../../src/db/client.ts";

let pgliteImage: Blob | undefined;

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or, with DATABASE_URL, a new
 * schema on that server (dropped again by close()). PGlite starts from the empty database that
 * test/global-setup.ts created once (initdb takes seconds), and applies the migrations itself.
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const file = process.env.TEST_PGLITE_IMAGE;
    if (file && !pgliteImage) pgliteImage = new Blob([readFileSync(file)]);
    return openDatabase({ databaseUrl: undefined, dataDir: "memory://" }, undefined, {
      pgliteImage,
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
