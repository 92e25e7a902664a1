import type { MySql2Database } from "drizzle-orm/mysql2";
import type { FastifyBaseLogger } from "fastify";
import type { Connection, Pool } from "mysql2/promise";
import { migrate } from "./migrate.ts";

export type Orm = MySql2Database;

/** Raw SQL access: the migration runner and tests. */
export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` on a connection of its own that accepts several statements per call (`exec`),
   * closed afterwards. The app's pool never does: a stacked query could never be injected there.
   */
  session<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
}

export interface SqlSession {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements (no parameters). */
  exec(text: string): Promise<void>;
}

export interface Database {
  kind: "mysql";
  orm: Orm;
  sql: SqlClient;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export interface DatabaseConfig {
  /** `mysql://user:password@host:3306/db`; required. */
  databaseUrl: string | undefined;
}

/** Start-up's one line when no server is configured. */
export const NO_DATABASE_URL =
  "DATABASE_URL is not set: this app needs a MySQL 8 or MariaDB 10.11+ server; start one with `docker compose up -d mysql` and set DATABASE_URL=mysql://app:app@127.0.0.1:13306/app (see .env.example)";

/** Opens the MySQL (or MariaDB) database at DATABASE_URL and applies pending migrations. */
export async function openDatabase(
  config: DatabaseConfig,
  log?: FastifyBaseLogger,
  options: OpenOptions = {},
): Promise<Database> {
  if (!config.databaseUrl) throw new Error(NO_DATABASE_URL);
  const db = await openMysql(config.databaseUrl, log);
  try {
    // A pool connects lazily: fail here, at start, when the server cannot be reached.
    await db.ping();
    if (options.migrate ?? true) {
      const applied = await migrate(db.sql);
      if (applied.length > 0) log?.info({ migrations: applied }, "applied database migrations");
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

// Every connection talks UTC and utf8mb4: DATETIME columns hold UTC times (Drizzle writes and reads
// them as such), and text is stored as sent, emoji included.
const CONNECTION = {
  charset: "utf8mb4",
  timezone: "Z",
  connectTimeout: 5_000,
  supportBigNumbers: true,
} as const;

async function openMysql(url: string, log?: FastifyBaseLogger): Promise<Database> {
  const [mysql, { drizzle }] = await Promise.all([
    import("mysql2/promise"),
    import("drizzle-orm/mysql2"),
  ]);
  const pool: Pool = mysql.createPool({
    uri: url,
    ...CONNECTION,
    connectionLimit: 10,
    maxIdle: 10,
    idleTimeout: 30_000,
    enableKeepAlive: true,
  });
  // A connection dropped by the server (restart, failover, wait_timeout) leaves the pool; the next
  // query opens a new one. Log it rather than let an unhandled event end the process.
  pool.pool.on("connection", (connection) => {
    connection.on("error", (error) => log?.warn({ err: error }, "MySQL connection lost"));
  });
  const orm = drizzle({ client: pool });
  let closed = false;
  return {
    kind: "mysql",
    orm,
    sql: {
      query: async (text, params) => (await pool.query(text, params))[0] as never,
      session: async (fn) => {
        const connection: Connection = await mysql.createConnection({
          uri: url,
          ...CONNECTION,
          multipleStatements: true,
        });
        try {
          return await fn({
            query: async (text, params) => (await connection.query(text, params))[0] as never,
            exec: async (text) => {
              await connection.query(text);
            },
          });
        } finally {
          await connection.end().catch(() => connection.destroy());
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
