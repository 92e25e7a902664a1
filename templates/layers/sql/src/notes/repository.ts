import { and, desc, eq, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { notes } from "../db/schema.ts";
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
      const where = after
        ? and(
            ownedBy(owner),
            or(
              lt(notes.createdAt, after.createdAt),
              and(eq(notes.createdAt, after.createdAt), lt(notes.id, after.id)),
            ),
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

    async create(owner, note) {
      await orm.insert(notes).values({ ...note, ownerId: owner });
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
