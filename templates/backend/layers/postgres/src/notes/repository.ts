import type { SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";
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

/** Notes in PostgreSQL / PGlite. Every query is scoped to the owner. */
export function createNotesRepository(db: Database): NotesRepository {
  const { orm } = db;
  return {
    async list(owner, limit, after) {
      // The cursor as one row-value comparison: an index condition on notes_owner_created_idx
      // (notes_unowned_created_idx without auth), so the index yields rows in ORDER BY order and
      // the scan stops after `limit` rows (an `a < x OR (a = x AND b < y)` cursor is only a filter).
      const where = after
        ? and(
            ownedBy(owner),
            sql`(${notes.createdAt}, ${notes.id}) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`,
          )
        : ownedBy(owner);
      return orm
        .select(columns)
        .from(notes)
        .where(where)
        .orderBy(desc(notes.createdAt), desc(notes.id))
        .limit(limit);
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
