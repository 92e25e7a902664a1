import type { CollectionIndexes } from "../client.ts";

/** Accounts and refresh tokens: unique emails, token look-ups, expired tokens removed. */
export default {
  // Emails are stored trimmed and lower-cased, so a plain unique index is case-insensitive.
  users: [{ key: { email: 1 }, name: "users_email", unique: true }],
  refresh_tokens: [
    { key: { tokenHash: 1 }, name: "refresh_tokens_hash", unique: true },
    { key: { familyId: 1 }, name: "refresh_tokens_family" },
    // MongoDB deletes a token once its expiresAt has passed.
    { key: { expiresAt: 1 }, name: "refresh_tokens_expiry", expireAfterSeconds: 0 },
  ],
} satisfies CollectionIndexes;
