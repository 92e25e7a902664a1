import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pushSchema } from "drizzle-kit/api";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/client.ts";
import { testPgliteImage } from "./support/database.ts";

/** Every table, index and constraint that src/db/schema/ declares. */
async function drizzleSchema(): Promise<Record<string, unknown>> {
  const dir = join(import.meta.dirname, "..", "src", "db", "schema");
  const files = (await readdir(dir)).filter((file) => file.endsWith(".ts"));
  const modules = await Promise.all(
    files.map((file) => import(pathToFileURL(join(dir, file)).href)),
  );
  return Object.assign({}, ...modules);
}

describe("the database schema", () => {
  it("migrations/*.sql create exactly what src/db/schema/ declares", async () => {
    // drizzle-kit compares the migrated database with the Drizzle schema, as `drizzle-kit push`
    // would: any statement it would run means the two disagree. (Embedded PGlite: the same SQL
    // runs on a PostgreSQL server.)
    const db = await openDatabase({ databaseUrl: undefined, dataDir: "memory://" }, undefined, {
      pgliteImage: testPgliteImage(),
    });
    try {
      const { statementsToExecute } = await pushSchema(await drizzleSchema(), db.orm);
      const differences = statementsToExecute.filter((s) => !s.includes('"schema_migrations"'));
      expect(differences).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
