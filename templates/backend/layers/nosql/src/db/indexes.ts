import type { Db } from "mongodb";

/** Creates the indexes the app relies on (idempotent; runs at every start). */
export async function ensureIndexes(db: Db): Promise<void> {
  await db
    .collection("notes")
    .createIndex({ ownerId: 1, createdAt: -1, _id: -1 }, { name: "notes_owner_created" });
}
