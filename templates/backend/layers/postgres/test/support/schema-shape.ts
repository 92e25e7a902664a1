import type { SqlClient } from "../../src/db/client.ts";

/**
 * A schema's shape as lines that read like DDL, one per column, constraint and index, so that a
 * difference shows as the line that differs.
 */
export type Shape = Record<string, string[]>;

/**
 * A schema's tables as read from pg_catalog. Constraints and index definitions are printed by
 * PostgreSQL (pg_get_constraintdef, pg_get_indexdef): names outside search_path would carry their
 * schema, so read each schema while it is the one on search_path.
 */
export async function shapeOf(q: Omit<SqlClient, "transaction">, schema: string): Promise<Shape> {
  const shape: Shape = {};
  const add = (table: string, line: string) => {
    if (table === "schema_migrations") return;
    shape[table] = [...(shape[table] ?? []), line];
  };
  const inSchema = "c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)";

  for (const c of await q.query<{
    t: string;
    c: string;
    type: string;
    notNull: boolean;
    d: string | null;
  }>(
    `SELECT c.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS "notNull", pg_get_expr(d.adbin, d.adrelid) AS d
     FROM pg_class c
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE c.relkind IN ('r', 'p') AND ${inSchema}`,
    [schema],
  )) {
    add(
      c.t,
      `column ${c.c} ${c.type}${c.notNull ? " not null" : ""}${c.d ? ` default ${c.d}` : ""}`,
    );
  }

  // Primary keys, unique, foreign key (with ON DELETE / ON UPDATE) and check constraints.
  for (const k of await q.query<{ t: string; name: string; def: string }>(
    `SELECT c.relname AS t, k.conname AS name, pg_get_constraintdef(k.oid, true) AS def
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
     WHERE k.contype IN ('p', 'u', 'f', 'c') AND ${inSchema}`,
    [schema],
  )) {
    add(k.t, `constraint ${k.name} ${k.def}`);
  }

  // Indexes other than those of the constraints above: each key (column or expression) with its
  // order, the access method and the predicate of a partial index.
  for (const i of await q.query<{
    t: string;
    name: string;
    unique: boolean;
    method: string;
    keys: string[];
    predicate: string | null;
  }>(
    `SELECT c.relname AS t, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       ARRAY(
         SELECT pg_get_indexdef(i.indexrelid, k, true)
           || CASE WHEN pg_index_column_has_property(i.indexrelid, k, 'desc') THEN ' desc' ELSE ' asc' END
           || CASE WHEN pg_index_column_has_property(i.indexrelid, k, 'nulls_first')
                THEN ' nulls first' ELSE ' nulls last' END
         FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k
       ) AS keys
     FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_am am ON am.oid = ic.relam
     WHERE ${inSchema}
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [schema],
  )) {
    const where = i.predicate ? ` where ${i.predicate}` : "";
    add(
      i.t,
      `${i.unique ? "unique " : ""}index ${i.name} using ${i.method} (${i.keys.join(", ")})${where}`,
    );
  }

  for (const lines of Object.values(shape)) lines.sort();
  return shape;
}
