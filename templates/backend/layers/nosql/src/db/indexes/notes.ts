import type { CollectionIndexes } from "../client.ts";

/** A page of an owner's notes, newest first, is one walk along this index. */
export default {
  notes: [{ key: { ownerId: 1, createdAt: -1, _id: -1 }, name: "notes_owner_created" }],
} satisfies CollectionIndexes;
