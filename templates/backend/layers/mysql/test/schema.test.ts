import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { generateMySQLDrizzleJson } from "drizzle-kit/api";
import { describe, expect, it } from "vitest";
import type { Database } from "../src/db/client.ts";
import { openTestDatabase } from "./support/database.ts";

/**
 * A database's shape as lines that read like DDL, one per column, key, index and foreign key, so
 * that a difference shows as the line that differs.
 */
type Shape = Record<string, string[]>;

/** A table of drizzle-kit's snapshot, as far as this test reads it (its own types are loose). */
interface DeclaredTable {
  name: string;
  columns: Record<string, { name: string; type: string; notNull: boolean; primaryKey: boolean }>;
  compositePrimaryKeys: Record<string, { columns: string[] }>;
  indexes: Record<string, { name: string; columns: string[]; isUnique: boolean }>;
  uniqueConstraints: Record<string, { name: string; columns: string[] }>;
  foreignKeys: Record<
    string,
    {
      name: string;
      columnsFrom: string[];
      tableTo: string;
      columnsTo: string[];
      onDelete?: string;
      onUpdate?: string;
    }
  >;
}

/** What src/db/schema/ declares, as drizzle-kit reads it (the snapshot `drizzle-kit generate` would write). */
async function declaredShape(): Promise<Shape> {
  const dir = join(import.meta.dirname, "..", "src", "db", "schema");
  const files = (await readdir(dir)).filter((file) => file.endsWith(".ts"));
  const modules = await Promise.all(
    files.map((file) => import(pathToFileURL(join(dir, file)).href)),
  );
  const snapshot = await generateMySQLDrizzleJson(Object.assign({}, ...modules));
  const shape: Shape = {};
  for (const table of Object.values(snapshot.tables as Record<string, DeclaredTable>)) {
    const primary = [
      ...Object.values(table.columns)
        .filter((c) => c.primaryKey)
        .map((c) => [c.name]),
      ...Object.values(table.compositePrimaryKeys).map((key) => key.columns),
    ];
    shape[table.name] = [
      ...Object.values(table.columns).map((c) =>
        column(c.name, c.type, c.notNull || primary.some((key) => key.includes(c.name))),
      ),
      ...primary.map((columns) => `primary key (${columns.join(", ")})`),
      ...Object.values(table.indexes).map((i) => index(i.name, i.columns, i.isUnique)),
      ...Object.values(table.uniqueConstraints).map((u) => index(u.name, u.columns, true)),
      ...Object.values(table.foreignKeys).map((f) =>
        foreignKey(f.name, f.columnsFrom, f.tableTo, f.columnsTo, f.onDelete, f.onUpdate),
      ),
    ].sort();
  }
  return shape;
}

/** What the migrated database holds, read from information_schema (MySQL 8 and MariaDB alike). */
async function actualShape(db: Database): Promise<Shape> {
  const q = <T>(text: string) => db.sql.query<T>(text);
  const here = "table_schema = DATABASE()";
  const shape: Shape = {};
  const add = (table: string, line: string) => {
    if (table === "schema_migrations") return;
    shape[table] = [...(shape[table] ?? []), line];
  };
  for (const c of await q<{ t: string; c: string; type: string; nullable: string }>(
    `SELECT table_name AS t, column_name AS c, column_type AS type, is_nullable AS nullable
     FROM information_schema.columns WHERE ${here}`,
  )) {
    add(c.t, column(c.c, c.type, c.nullable === "NO"));
  }
  const foreignKeys = await q<{
    t: string;
    name: string;
    columns: string;
    ref: string;
    refColumns: string;
    onDelete: string;
    onUpdate: string;
  }>(
    `SELECT k.table_name AS t, k.constraint_name AS name,
       GROUP_CONCAT(k.column_name ORDER BY k.ordinal_position) AS columns,
       MAX(k.referenced_table_name) AS ref,
       GROUP_CONCAT(k.referenced_column_name ORDER BY k.ordinal_position) AS refColumns,
       MAX(r.delete_rule) AS onDelete, MAX(r.update_rule) AS onUpdate
     FROM information_schema.key_column_usage k
     JOIN information_schema.referential_constraints r
       ON r.constraint_schema = k.table_schema AND r.constraint_name = k.constraint_name
     WHERE k.${here} AND k.referenced_table_name IS NOT NULL
     GROUP BY k.table_name, k.constraint_name`,
  );
  for (const f of foreignKeys) {
    const line = foreignKey(f.name, f.columns.split(","), f.ref, f.refColumns.split(","));
    add(f.t, `${line} on delete ${rule(f.onDelete)} on update ${rule(f.onUpdate)}`);
  }
  for (const i of await q<{ t: string; name: string; columns: string; nonUnique: number }>(
    `SELECT table_name AS t, index_name AS name, MAX(non_unique) AS nonUnique,
       GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns
     FROM information_schema.statistics WHERE ${here} GROUP BY table_name, index_name`,
  )) {
    const columns = i.columns.split(",");
    if (i.name === "PRIMARY") add(i.t, `primary key (${columns.join(", ")})`);
    // InnoDB indexes a foreign key's columns itself, under the key's name, when no index has them.
    else if (!foreignKeys.some((f) => f.t === i.t && f.name === i.name && f.columns === i.columns))
      add(i.t, index(i.name, columns, Number(i.nonUnique) === 0));
  }
  for (const lines of Object.values(shape)) lines.sort();
  return shape;
}

const column = (name: string, type: string, notNull: boolean) =>
  `column ${name} ${type.toLowerCase()}${notNull ? " not null" : ""}`;
const index = (name: string, columns: string[], unique: boolean | undefined) =>
  `${unique ? "unique " : ""}index ${name} (${columns.join(", ")})`;
// InnoDB's RESTRICT and NO ACTION are the same rule; MariaDB reports an unnamed rule as RESTRICT.
const rule = (value: string | undefined) =>
  (value ?? "no action").toLowerCase().replace("restrict", "no action");
const foreignKey = (
  name: string,
  columns: string[],
  table: string,
  references: string[],
  onDelete?: string,
  onUpdate?: string,
) =>
  `foreign key ${name} (${columns.join(", ")}) references ${table} (${references.join(", ")})${
    onDelete === undefined ? "" : ` on delete ${rule(onDelete)} on update ${rule(onUpdate)}`
  }`;

describe("the database schema", () => {
  it("migrations/*.sql create exactly what src/db/schema/ declares", async () => {
    // The tables, columns (type, NULL or not), keys, indexes and foreign keys that the migrations
    // made, compared with what drizzle-kit reads from the Drizzle schema. (Not drizzle-kit's
    // pushMySQLSchema, the PostgreSQL test's way: it returns none of the DDL it would run, and its
    // introspection misreads MariaDB's primary keys, unique indexes and NULL defaults.)
    const db = await openTestDatabase();
    try {
      expect(await actualShape(db)).toEqual(await declaredShape());
    } finally {
      await db.close();
    }
  });
});
