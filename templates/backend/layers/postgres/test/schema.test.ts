import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SqlClient } from "../src/db/client.ts";
import { openTestDatabase } from "./support/database.ts";
import { declaredDdl } from "./support/declared-schema.ts";
import { type Shape, shapeOf } from "./support/schema-shape.ts";

/**
 * Both sides are read from PostgreSQL's catalog: the migrated schema, and a scratch schema built
 * from src/db/schema/ and rolled back, so that PostgreSQL itself spells types, defaults, index
 * expressions and predicates the same way for both.
 *
 * The scratch schema is named at random: test runs of several projects may share one server.
 */
const DECLARED = `schema_test_${randomBytes(6).toString("hex")}`;

/** The shape of src/db/schema/, built in a scratch schema that is rolled back afterwards. */
async function declaredShape(sql: SqlClient): Promise<Shape> {
  const ddl = await declaredDdl();
  let shape: Shape = {};
  const rollback = new Error("roll back the declared schema");
  try {
    await sql.transaction(async (tx) => {
      await tx.exec(`CREATE SCHEMA ${DECLARED}; SET LOCAL search_path TO ${DECLARED}`);
      for (const statement of ddl) {
        try {
          await tx.exec(statement);
        } catch (error) {
          throw new Error(
            `PostgreSQL refuses what src/db/schema/ declares: ${statement}: ${(error as Error).message}`,
          );
        }
      }
      shape = await shapeOf(tx, DECLARED);
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return shape;
}

describe("the database schema", () => {
  it("migrations/*.sql create exactly what src/db/schema/ declares", async () => {
    // Tables, columns (type, NOT NULL, default), primary keys, unique, check and foreign key
    // constraints (ON DELETE / ON UPDATE), and indexes (expressions, order, NULLS FIRST/LAST,
    // partial WHERE). (Embedded PGlite: the same SQL runs on a PostgreSQL server.)
    const db = await openTestDatabase();
    try {
      const [current] = await db.sql.query<{ schema: string }>("SELECT current_schema() AS schema");
      expect(await shapeOf(db.sql, current?.schema ?? "public")).toEqual(
        await declaredShape(db.sql),
      );
    } finally {
      await db.close();
    }
  });
});
