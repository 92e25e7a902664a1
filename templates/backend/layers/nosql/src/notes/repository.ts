import type { Filter } from "mongodb";
import type { Database } from "../db/client.ts";
import { ownerGone } from "./errors.ts";
import type { Note, NotesRepository, Owner } from "./types.ts";

interface NoteDocument {
  _id: string;
  /** Whose note it is (see Owner); every filter compares it. */
  ownerId: string | null;
  title: string;
  body: string;
  createdAt: Date;
  updatedAt: Date;
}

const toNote = (doc: NoteDocument): Note => ({
  id: doc._id,
  title: doc.title,
  body: doc.body,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
});

/** Filters are built from typed scalars with explicit $eq: no operator from input reaches a query. */
const ownedBy = (owner: Owner): Filter<NoteDocument> => ({ ownerId: { $eq: owner } });

/** Notes in MongoDB (indexes: src/db/indexes/notes.ts). Every query is scoped to the owner. */
export function createNotesRepository(database: Database): NotesRepository {
  const notes = database.db.collection<NoteDocument>("notes");
  const users = database.db.collection<{ _id: string }>("users");
  return {
    async list(owner, limit, after) {
      const filter: Filter<NoteDocument> = after
        ? {
            ...ownedBy(owner),
            $or: [
              { createdAt: { $lt: after.createdAt } },
              { createdAt: { $eq: after.createdAt }, _id: { $lt: after.id } },
            ],
          }
        : ownedBy(owner);
      const docs = await notes.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit).toArray();
      return docs.map(toNote);
    },

    async get(owner, id) {
      const doc = await notes.findOne({ _id: { $eq: id }, ...ownedBy(owner) });
      return doc ? toNote(doc) : null;
    },

    async count(owner) {
      return notes.countDocuments(ownedBy(owner));
    },

    async create(owner, note) {
      // What SQL's owner foreign key does: another server instance may still take a deleted
      // user's access token for a minute (src/auth/user-cache.ts), and a deleted owner cannot
      // write. (A user deleted between this check and the insert leaves a note no one can read.)
      if (
        owner !== null &&
        (await users.countDocuments({ _id: { $eq: owner } }, { limit: 1 })) === 0
      ) {
        throw ownerGone();
      }
      await notes.insertOne({
        _id: note.id,
        ownerId: owner,
        title: note.title,
        body: note.body,
        createdAt: note.createdAt,
        updatedAt: note.updatedAt,
      });
      return note;
    },

    async update(owner, id, patch) {
      const set: Partial<NoteDocument> = { updatedAt: patch.updatedAt };
      if (patch.title !== undefined) set.title = patch.title;
      if (patch.body !== undefined) set.body = patch.body;
      const doc = await notes.findOneAndUpdate(
        { _id: { $eq: id }, ...ownedBy(owner) },
        { $set: set },
        { returnDocument: "after" },
      );
      return doc ? toNote(doc) : null;
    },

    async delete(owner, id) {
      const result = await notes.deleteOne({ _id: { $eq: id }, ...ownedBy(owner) });
      return result.deletedCount === 1;
    },
  };
}
