import type { Db } from "mongodb";

/** Creates the indexes the app relies on (idempotent; runs at every start). */
export async function ensureIndexes(db: Db): Promise<void> {
  await db
    .collection("notes")
    .createIndex({ ownerId: 1, createdAt: -1, _id: -1 }, { name: "notes_owner_created" });
  // Emails are stored trimmed and lower-cased, so a plain unique index is case-insensitive.
  await db.collection("users").createIndex({ email: 1 }, { name: "users_email", unique: true });
  const tokens = db.collection("refresh_tokens");
  await tokens.createIndex({ tokenHash: 1 }, { name: "refresh_tokens_hash", unique: true });
  await tokens.createIndex({ familyId: 1 }, { name: "refresh_tokens_family" });
  // Expired tokens are removed by MongoDB.
  await tokens.createIndex(
    { expiresAt: 1 },
    { name: "refresh_tokens_expiry", expireAfterSeconds: 0 },
  );
}
