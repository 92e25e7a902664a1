import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
    const dir = await pgliteDatabases();
    process.env.TEST_PGLITE_IMAGE = path.join(dir, "migrated.tar");
    process.env.TEST_PGLITE_EMPTY_DIR = path.join(dir, "empty");
    return;
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

const ROOT = path.join(import.meta.dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "pglite-tests");

/**
 * A folder with an empty database (`empty/`, as initdb leaves it, for tests that start the server
 * or the migration command in a process of their own) and a migrated one as an image PGlite can
 * start from (`migrated.tar`, for in-process tests). initdb and the migrations take seconds, so
 * the folder is kept between runs, named after everything its content depends on: the PGlite
 * version, the migrations and the code that applies them.
 */
async function pgliteDatabases(): Promise<string> {
  const key = cacheKey();
  const dir = path.join(CACHE, key);
  if (existsSync(path.join(dir, "migrated.tar"))) return dir;

  // Built aside and renamed into place, so that a run never sees half a folder.
  const building = `${dir}.${process.pid}`;
  const empty = path.join(building, "empty");
  mkdirSync(building, { recursive: true });
  await (await PGlite.create(empty)).close();
  const migrated = path.join(building, "migrated");
  cpSync(empty, migrated, { recursive: true });
  await (await openDatabase({ databaseUrl: undefined, dataDir: migrated })).close();
  const pglite = await PGlite.create(migrated);
  const image = await pglite.dumpDataDir("none");
  await pglite.close();
  rmSync(migrated, { recursive: true, force: true });
  writeFileSync(path.join(building, "migrated.tar"), Buffer.from(await image.arrayBuffer()));

  for (const old of readdirSync(CACHE)) {
    if (!old.startsWith(key)) rmSync(path.join(CACHE, old), { recursive: true, force: true });
  }
  try {
    renameSync(building, dir);
  } catch {
    // another run, started at the same time, was first: its folder is as good as this one
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

function cacheKey(): string {
  const hash = createHash("sha256");
  const sources = [
    "node_modules/@electric-sql/pglite/package.json",
    "src/db/client.ts",
    "src/db/migrate.ts",
    ...readdirSync(path.join(ROOT, "migrations"))
      .sort()
      .map((name) => `migrations/${name}`),
  ];
  for (const file of sources) hash.update(file).update(readFileSync(path.join(ROOT, file)));
  return hash.digest("hex").slice(0, 16);
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
