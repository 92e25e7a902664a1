import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { is } from "drizzle-orm";
import { getTableConfig, MySqlColumn, MySqlTable } from "drizzle-orm/mysql-core";
import { describe, expect, it } from "vitest";
import type { Database } from "../src/db/client.ts";
import { openTestDatabase } from "./support/database.ts";

/**
 * A database's shape as lines that read like DDL, one per column, key, index and foreign key, so
 * that a difference shows as the line that differs.
 */
type Shape = Record<string, string[]>;

/** The tables that src/db/schema/ declares. */
async function declaredTables(): Promise<MySqlTable[]> {
  const dir = join(import.meta.dirname, "..", "src", "db", "schema");
  const files = (await readdir(dir)).filter((file) => file.endsWith(".ts"));
  const modules = await Promise.all(
    files.map((file) => import(pathToFileURL(join(dir, file)).href)),
  );
  const exported: unknown[] = modules.flatMap((module) => Object.values(module));
  return exported.filter((value): value is MySqlTable => is(value, MySqlTable));
}

/** The name of an index's column; an expression index would need its own line format here. */
function columnName(column: unknown): string {
  if (is(column, MySqlColumn)) return column.name;
  throw new Error("an index on an expression: teach test/schema.test.ts to compare it");
}

/** What src/db/schema/ declares, read by drizzle-orm itself (`getTableConfig`). */
async function declaredShape(): Promise<Shape> {
  const shape: Shape = {};
  for (const table of await declaredTables()) {
    const config = getTableConfig(table);
    const primary = [
      ...config.columns.filter((c) => c.primary).map((c) => [c.name]),
      ...config.primaryKeys.map((key) => key.columns.map((c) => c.name)),
    ];
    shape[config.name] = [
      ...config.columns.map((c) =>
        column(c.name, c.getSQLType(), c.notNull || primary.some((key) => key.includes(c.name))),
      ),
      ...primary.map((columns) => `primary key (${columns.join(", ")})`),
      ...config.indexes.map((i) =>
        index(i.config.name, i.config.columns.map(columnName), i.config.unique),
      ),
      ...config.columns
        .filter((c) => c.isUnique)
        .map((c) => index(c.uniqueName ?? `${config.name}_${c.name}_unique`, [c.name], true)),
      ...config.uniqueConstraints.map((u) => {
        const columns = u.columns.map((c) => c.name);
        return index(u.getName() ?? `${config.name}_${columns.join("_")}_unique`, columns, true);
      }),
      ...config.foreignKeys.map((f) => {
        const reference = f.reference();
        return foreignKey(
          f.getName(),
          reference.columns.map((c) => c.name),
          getTableConfig(reference.foreignTable).name,
          reference.foreignColumns.map((c) => c.name),
          f.onDelete ?? "no action",
          f.onUpdate ?? "no action",
        );
      }),
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
    // made, compared with what the Drizzle schema declares. (Not drizzle-kit's pushMySQLSchema: it
    // returns none of the DDL it would run, and its introspection misreads MariaDB's primary keys,
    // unique indexes and NULL defaults.)
    const db = await openTestDatabase();
    try {
      expect(await actualShape(db)).toEqual(await declaredShape());
    } finally {
      await db.close();
    }
  });
});
