import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { is, SQL } from "drizzle-orm";
import { getTableConfig, type IndexedColumn, PgDialect, PgTable } from "drizzle-orm/pg-core";

/*
 * src/db/schema/ written out as CREATE statements, for test/schema.test.ts to build in a scratch
 * schema. What this file cannot write yet, it refuses with an error rather than leaving it out.
 */

/** The tables that src/db/schema/ declares. */
async function declaredTables(): Promise<PgTable[]> {
  const dir = join(import.meta.dirname, "..", "..", "src", "db", "schema");
  const files = (await readdir(dir)).filter((file) => file.endsWith(".ts"));
  const modules = await Promise.all(
    files.map((file) => import(pathToFileURL(join(dir, file)).href)),
  );
  const exported: unknown[] = modules.flatMap((module) => Object.values(module));
  return exported.filter((value): value is PgTable => is(value, PgTable));
}

const dialect = new PgDialect();
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const list = (names: string[]) => names.map(quote).join(", ");

/** SQL written in the schema (a default, an index expression or predicate, a check), as text. */
function sqlText(value: SQL, what: string): string {
  // "indexes": columns without their table's name, as CREATE INDEX and CHECK take them.
  const query = dialect.sqlToQuery(value, "indexes");
  if (query.params.length > 0) {
    throw new Error(`${what} has parameters: write its values with sql.raw() in the schema`);
  }
  return query.sql;
}

function defaultText(value: unknown, what: string): string {
  if (is(value, SQL)) return sqlText(value, what);
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new Error(`${what}: a default of this kind: teach test/schema.test.ts to write it`);
}

/**
 * The DDL of what src/db/schema/ declares, from drizzle-orm's own reading of it (`getTableConfig`):
 * tables first, then foreign keys and indexes, which name other tables and columns.
 */
export async function declaredDdl(): Promise<string[]> {
  const tables: string[] = [];
  const later: string[] = [];
  for (const table of await declaredTables()) {
    const config = getTableConfig(table);
    const name = config.name;
    if (config.schema) throw new Error(`${name}: tables in a pgSchema are not compared here`);
    const parts = config.columns.map((c) => {
      if (c.generated || c.generatedIdentity) {
        throw new Error(`${name}.${c.name}: teach test/schema.test.ts generated columns`);
      }
      const defaultValue =
        c.default === undefined ? "" : ` DEFAULT ${defaultText(c.default, `${name}.${c.name}`)}`;
      const unique = c.isUnique
        ? ` CONSTRAINT ${quote(c.uniqueName ?? "")} UNIQUE${c.uniqueType === "not distinct" ? " NULLS NOT DISTINCT" : ""}`
        : "";
      return `${quote(c.name)} ${c.getSQLType()}${c.notNull ? " NOT NULL" : ""}${defaultValue}${
        c.primary ? " PRIMARY KEY" : ""
      }${unique}`;
    });
    for (const key of config.primaryKeys) {
      const keyName = key.name ? `CONSTRAINT ${quote(key.name)} ` : "";
      parts.push(`${keyName}PRIMARY KEY (${list(key.columns.map((c) => c.name))})`);
    }
    for (const u of config.uniqueConstraints) {
      const distinct = u.nullsNotDistinct ? " NULLS NOT DISTINCT" : "";
      parts.push(
        `CONSTRAINT ${quote(u.getName() ?? "")} UNIQUE${distinct} (${list(u.columns.map((c) => c.name))})`,
      );
    }
    for (const check of config.checks) {
      parts.push(`CONSTRAINT ${quote(check.name)} CHECK (${sqlText(check.value, check.name)})`);
    }
    tables.push(`CREATE TABLE ${quote(name)} (${parts.join(", ")})`);

    for (const f of config.foreignKeys) {
      const reference = f.reference();
      later.push(
        `ALTER TABLE ${quote(name)} ADD CONSTRAINT ${quote(f.getName())} FOREIGN KEY (${list(
          reference.columns.map((c) => c.name),
        )}) REFERENCES ${quote(getTableConfig(reference.foreignTable).name)} (${list(
          reference.foreignColumns.map((c) => c.name),
        )}) ON DELETE ${f.onDelete ?? "no action"} ON UPDATE ${f.onUpdate ?? "no action"}`,
      );
    }
    for (const { config: i } of config.indexes) {
      if (!i.name) throw new Error(`${name}: give each index a name (index("…"))`);
      if (i.with && Object.keys(i.with).length > 0) {
        throw new Error(`${i.name}: teach test/schema.test.ts index storage parameters (.with)`);
      }
      const keys = i.columns.map((column) => {
        if (is(column, SQL)) return `(${sqlText(column, i.name ?? "")})`;
        const indexed = column as IndexedColumn;
        const { order, nulls, opClass } = indexed.indexConfig;
        return `${quote(indexed.name ?? "")}${opClass ? ` ${opClass}` : ""} ${order ?? "asc"} nulls ${
          nulls ?? "last"
        }`;
      });
      const where = i.where ? ` WHERE ${sqlText(i.where, i.name)}` : "";
      later.push(
        `CREATE ${i.unique ? "UNIQUE " : ""}INDEX ${quote(i.name)} ON ${quote(
          name,
        )} USING ${i.method ?? "btree"} (${keys.join(", ")})${where}`,
      );
    }
  }
  return [...tables, ...later];
}
