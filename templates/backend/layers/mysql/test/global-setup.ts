import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { withoutPassword } from "../src/plugins/database.ts";

const HOW_TO =
  "set DATABASE_URL to a MySQL 8 or MariaDB 10.11+ server whose user may create databases (e.g. `docker compose up -d mysql` then DATABASE_URL=mysql://root:root@127.0.0.1:13306/app npm test)";

/**
 * Tests need a real MySQL (or MariaDB) server at DATABASE_URL: each test file creates a database
 * of its own there (test/support/database.ts), named after this run, and drops it when done; what a
 * crashed file left behind is dropped at the end of the run. Without a server the run fails with
 * one line; it never passes without a database.
 */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url) fail(`DATABASE_URL is not set; ${HOW_TO}`);
  const prefix = `test_${randomBytes(3).toString("hex")}_`;
  process.env.TEST_DATABASE_PREFIX = prefix;
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ uri: url, connectTimeout: 5_000 });
    const [[row]] = await connection.query<mysql.RowDataPacket[]>("SELECT VERSION() AS version");
    console.log(`tests: database = MySQL ${row?.version} at ${withoutPassword(url)}`);
  } catch (error) {
    fail(
      `cannot reach MySQL at ${withoutPassword(url)} (DATABASE_URL): ${reason(error)}; ${HOW_TO}`,
    );
  } finally {
    await connection?.end().catch(() => {});
  }
  return async () => {
    const admin = await mysql.createConnection({ uri: url });
    try {
      const [left] = await admin.query<mysql.RowDataPacket[]>(
        "SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?",
        [`${prefix}%`],
      );
      for (const { name } of left) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await admin.end();
    }
  };
}

/** Prints one clear line and ends the run with a failure. */
function fail(line: string): never {
  console.error(`\ntests: ${line}\n`);
  process.exit(1);
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text.replace(/\s+/g, " ").trim().slice(0, 200) || String((error as { code?: string }).code)
  );
}
