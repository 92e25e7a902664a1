import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import type * as PGliteModule from "@electric-sql/pglite";
import type * as DrizzleNodePostgres from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as DrizzlePglite from "drizzle-orm/pglite";
import type { FastifyBaseLogger } from "fastify";
import { migrate } from "./migrate.ts";

export type Orm = PgDatabase<PgQueryResultHKT>;

const require = createRequire(import.meta.url);

/** Raw SQL access, used by the migration runner. */
export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements (no parameters). */
  exec(text: string): Promise<void>;
  transaction<T>(fn: (tx: Omit<SqlClient, "transaction">) => Promise<T>): Promise<T>;
}

export interface Database {
  kind: "pglite" | "postgres";
  orm: Orm;
  sql: SqlClient;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL only: the schema to work in (tests use one per file). */
  searchPath?: string;
  /**
   * PGlite only: start from this data directory image (a tarball from PGlite's `dumpDataDir`)
   * instead of creating the database with initdb (tests take one image and copy it per file).
   */
  pgliteImage?: Blob;
}

export interface DatabaseConfig {
  /** PostgreSQL URL; when unset the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
}

/**
 * Opens PostgreSQL at DATABASE_URL, or the embedded PGlite database when it is unset, and applies
 * pending migrations.
 */
export async function openDatabase(
  config: DatabaseConfig,
  log?: FastifyBaseLogger,
  options: OpenOptions = {},
): Promise<Database> {
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl, log, options.searchPath)
    : await openPglite(config.dataDir, options.pgliteImage);
  if (options.migrate ?? true) {
    try {
      const applied = await migrate(db.sql);
      if (applied.length > 0) log?.info({ migrations: applied }, "applied database migrations");
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

/**
 * postgresql.conf of the embedded database (PGlite writes it at every start). PostgreSQL's defaults
 * size a server of its own: 128 MB of shared buffers alone, in the process's WebAssembly memory.
 * One app's embedded database needs far less: this halves the server's memory.
 */
const PGLITE_SETTINGS = [
  "shared_buffers = 16MB",
  "work_mem = 1MB",
  "temp_buffers = 1MB",
  "wal_buffers = 1MB",
];

// The drivers are loaded when used: a server on PostgreSQL never loads PGlite, and the other way
// round. Through require, as drizzle-orm is (see drizzle.ts): its PGlite driver requires PGlite's
// CommonJS build, which must be the one the client is made with.
async function openPglite(dataDir: string, image?: Blob): Promise<Database> {
  const { PGlite } = require("@electric-sql/pglite") as typeof PGliteModule;
  const { drizzle: drizzlePglite } = require("drizzle-orm/pglite") as typeof DrizzlePglite;
  if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir, {
    ...(image ? { loadDataDir: image } : {}),
    postgresqlconf: PGLITE_SETTINGS,
  });
  // PGlite never runs ANALYZE (no autovacuum): without statistics the planner takes a bitmap scan
  // that reads all of an owner's notes and sorts them, instead of walking the index in order and
  // stopping after one page. Every query here is an index lookup or an ordered index walk.
  await client.exec("SET enable_bitmapscan = off");
  const orm = drizzlePglite({ client }) as unknown as Orm;
  let closed = false;
  return {
    kind: "pglite",
    orm,
    sql: {
      query: async (text, params) => (await client.query(text, params)).rows as never,
      exec: async (text) => {
        await client.exec(text);
      },
      transaction: (fn) =>
        client.transaction((tx) =>
          fn({
            query: async (text, params) => (await tx.query(text, params)).rows as never,
            exec: async (text) => {
              await tx.exec(text);
            },
          }),
        ),
    },
    ping: async () => {
      await client.query("SELECT 1");
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

async function openPostgres(
  url: string,
  log?: FastifyBaseLogger,
  searchPath?: string,
): Promise<Database> {
  const { default: pg } = await import("pg");
  const { drizzle: drizzlePostgres } =
    require("drizzle-orm/node-postgres") as typeof DrizzleNodePostgres;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  });
  // An idle connection dropped by the server (restart, failover) must not crash the process.
  pool.on("error", (error) => log?.warn({ err: error }, "idle PostgreSQL connection lost"));
  const orm = drizzlePostgres({ client: pool }) as unknown as Orm;
  let closed = false;
  return {
    kind: "postgres",
    orm,
    sql: {
      query: async (text, params) => (await pool.query(text, params)).rows,
      exec: async (text) => {
        await pool.query(text);
      },
      transaction: async (fn) => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const result = await fn({
            query: async (text, params) => (await client.query(text, params)).rows,
            exec: async (text) => {
              await client.query(text);
            },
          });
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      },
    },
    ping: async () => {
      await pool.query("SELECT 1");
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
