import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { type Database, openDatabase } from "../../src/db/client.ts";

/** A fresh database for one test file on the MongoDB chosen by test/global-setup.ts (dropped by close()). */
export async function openTestDatabase(): Promise<Database> {
  const dbName = `test_${randomBytes(6).toString("hex")}`;
  const db = await openDatabase({ mongodbUri: inject("mongodbUri") }, undefined, { dbName });
  return {
    ...db,
    close: async () => {
      await db.db.dropDatabase().catch(() => {});
      await db.close();
    },
  };
}

/** A database of the test's own, to close under a running app: every test database is one here. */
export const openOwnTestDatabase = openTestDatabase;
