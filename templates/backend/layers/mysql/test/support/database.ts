import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { type Database, openDatabase } from "../../src/db/client.ts";

/**
 * A fresh database on the server at DATABASE_URL, named after this run
 * (test/global-setup.ts), with its URL; `drop()` removes it again.
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error("DATABASE_URL is not set (test/global-setup.ts says how)");
  const name = `${process.env.TEST_DATABASE_PREFIX ?? "test_"}${randomBytes(6).toString("hex")}`;
  await admin(server, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(server, `DROP DATABASE IF EXISTS \`${name}\``) };
}

/**
 * A fresh, migrated database for one test file, in a database of its own on the server at
 * DATABASE_URL; close() drops it.
 */
export async function openTestDatabase(): Promise<Database> {
  const { url, drop } = await createTestDatabase();
  try {
    const db = await openDatabase({ databaseUrl: url });
    return {
      ...db,
      close: async () => {
        await db.close();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}

async function admin(url: string, statement: string): Promise<void> {
  const connection = await mysql.createConnection({ uri: url });
  try {
    await connection.query(statement);
  } finally {
    await connection.end();
  }
}

/** A database of the test's own, to close under a running app: every test database is one here. */
export const openOwnTestDatabase = openTestDatabase;
