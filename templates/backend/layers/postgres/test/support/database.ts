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
 * schema on that server (dropped again by close()).
 *
 * PGlite databases are lent: close() empties every table and keeps the database for the next test
 * file of this worker (Vitest runs files one after another in a worker, see vitest.config.ts), as
 * starting one costs about 0.3 s of CPU and emptying it a few milliseconds. So close the app that
 * uses it first; a test that closes the database under a running app, to see what the app answers
 * then, takes one of its own from openOwnTestDatabase().
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return lendPglite();

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

/** A fresh, migrated database that close() really closes (nobody else ever gets it). */
export async function openOwnTestDatabase(): Promise<Database> {
  return process.env.DATABASE_URL ? openTestDatabase() : openPglite();
}

/** This worker's PGlite databases that test files have given back, emptied. */
const idlePglites: Database[] = [];

async function lendPglite(): Promise<Database> {
  const reused = idlePglites.pop();
  const db = reused ?? (await openPglite());
  const tables = await tableNames(db);
  // Rows the migrations inserted (seed data) would be lost by emptying: then nothing is lent.
  if (!reused && (await anyRows(db, tables))) return db;
  let lent = true;
  return {
    ...db,
    close: async () => {
      if (!lent) return;
      lent = false;
      if (tables.length > 0) {
        await db.sql.exec(`TRUNCATE ${tables.join(", ")} RESTART IDENTITY CASCADE`);
      }
      idlePglites.push(db);
    },
  };
}

/** PGlite starts from a copy of the migrated database that test/global-setup.ts created once. */
function openPglite(): Promise<Database> {
  return openDatabase({ databaseUrl: undefined, dataDir: "memory://" }, undefined, {
    pgliteImage: testPgliteImage(),
  });
}

/** The tables that tests fill (all but the migrations' record), quoted for SQL. */
async function tableNames(db: Database): Promise<string[]> {
  const rows = await db.sql.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables
      WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
  );
  return rows.map((row) => row.name);
}

async function anyRows(db: Database, tables: string[]): Promise<boolean> {
  if (tables.length === 0) return false;
  const exists = tables.map((table) => `EXISTS (SELECT 1 FROM ${table})`).join(" OR ");
  const [row] = await db.sql.query<{ any: boolean }>(`SELECT ${exists} AS any`);
  return row?.any === true;
}
