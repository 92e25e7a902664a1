import { and, count, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
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

/** `2026-01-31 12:00:00.000`: a DATETIME(3) value in UTC, as the columns hold them. */
const utc = (date: Date) => date.toISOString().replace("T", " ").replace("Z", "");

/** Notes in MySQL / MariaDB. Every query is scoped to the owner. */
export function createNotesRepository(db: Database): NotesRepository {
  const { orm } = db;
  return {
    async list(owner, limit, after) {
      // The cursor as one row-value comparison on notes_owner_created_idx's columns, read in
      // ORDER BY order, so the scan stops after `limit` rows.
      const where = after
        ? and(
            ownedBy(owner),
            sql`(${notes.createdAt}, ${notes.id}) < (CAST(${utc(after.createdAt)} AS DATETIME(3)), ${after.id})`,
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

    // MySQL has no UPDATE … RETURNING: update, then read the row back, both scoped to the owner.
    async update(owner, id, patch) {
      return orm.transaction(async (tx) => {
        await tx
          .update(notes)
          .set(patch)
          .where(and(ownedBy(owner), eq(notes.id, id)));
        const [note] = await tx
          .select(columns)
          .from(notes)
          .where(and(ownedBy(owner), eq(notes.id, id)));
        return note ?? null;
      });
    },

    async delete(owner, id) {
      const [result] = await orm.delete(notes).where(and(ownedBy(owner), eq(notes.id, id)));
      return result.affectedRows > 0;
    },
  };
}
