import type { SQL } from "drizzle-orm";
import type { Database, Orm } from "../db/client.ts";
import { and, count, desc, eq, isNull, sql } from "../db/drizzle.ts";
import { isForeignKeyViolation } from "../db/errors.ts";
import { notes } from "../db/schema/notes.ts";
import { ownerGone } from "./errors.ts";
import type { NotesRepository, Owner } from "./types.ts";

const columns = {
  id: notes.id,
  title: notes.title,
  body: notes.body,
  createdAt: notes.createdAt,
  updatedAt: notes.updatedAt,
};

const ownedBy = (owner: Owner): SQL =>
  owner === null ? isNull(notes.ownerId) : eq(notes.ownerId, owner);

/**
 * The list query, built once as a prepared statement: building it with Drizzle on every request
 * cost more CPU than the rest of the route's own code, and PostgreSQL parses a named statement
 * once per connection instead of once per request. Shared notes (no owner) read another index.
 */
function listQuery(orm: Orm, shared: boolean, afterCursor: boolean) {
  const owner = shared ? isNull(notes.ownerId) : eq(notes.ownerId, sql.placeholder("owner"));
  // The cursor as one row-value comparison: an index condition on notes_owner_created_idx
  // (notes_unowned_created_idx for shared notes), so the index yields rows in ORDER BY order and
  // the scan stops after `limit` rows (an `a < x OR (a = x AND b < y)` cursor is only a filter).
  const where = afterCursor
    ? and(
        owner,
        sql`(${notes.createdAt}, ${notes.id}) < (${sql.placeholder("afterCreatedAt")}::timestamptz, ${sql.placeholder("afterId")}::uuid)`,
      )
    : owner;
  return orm
    .select(columns)
    .from(notes)
    .where(where)
    .orderBy(desc(notes.createdAt), desc(notes.id))
    .limit(sql.placeholder("limit"))
    .prepare(`notes_list${shared ? "_shared" : ""}${afterCursor ? "_after" : ""}`);
}

/** Notes in PostgreSQL / PGlite. Every query is scoped to the owner. */
export function createNotesRepository(db: Database): NotesRepository {
  const { orm } = db;
  const lists = {
    owned: { first: listQuery(orm, false, false), after: listQuery(orm, false, true) },
    shared: { first: listQuery(orm, true, false), after: listQuery(orm, true, true) },
  };
  return {
    async list(owner, limit, after) {
      const queries = owner === null ? lists.shared : lists.owned;
      return after
        ? queries.after.execute({
            owner,
            limit,
            afterCreatedAt: after.createdAt.toISOString(),
            afterId: after.id,
          })
        : queries.first.execute({ owner, limit });
    },

    async get(owner, id) {
      const [note] = await orm
        .select(columns)
        .from(notes)
        .where(and(ownedBy(owner), eq(notes.id, id)));
      return note ?? null;
    },

    async count(owner) {
      const [row] = await orm.select({ n: count() }).from(notes).where(ownedBy(owner));
      return row?.n ?? 0;
    },

    async create(owner, note) {
      try {
        await orm.insert(notes).values({ ...note, ownerId: owner });
      } catch (error) {
        // Another server instance may still take a deleted user's access token for a minute
        // (src/auth/user-cache.ts): a deleted owner cannot write.
        if (isForeignKeyViolation(error)) throw ownerGone();
        throw error;
      }
      return note;
    },

    async update(owner, id, patch) {
      const [note] = await orm
        .update(notes)
        .set(patch)
        .where(and(ownedBy(owner), eq(notes.id, id)))
        .returning(columns);
      return note ?? null;
    },

    async delete(owner, id) {
      const deleted = await orm
        .delete(notes)
        .where(and(ownedBy(owner), eq(notes.id, id)))
        .returning({ id: notes.id });
      return deleted.length > 0;
    },
  };
}
