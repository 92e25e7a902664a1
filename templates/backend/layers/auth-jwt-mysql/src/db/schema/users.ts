import { index, mysqlTable, text, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { at, uuid } from "./columns.ts";

/**
 * The accounts tables as Drizzle sees them; migrations/0002_auth.sql creates them. Text compares
 * byte for byte (the tables' collation is utf8mb4_bin): the service stores emails trimmed and
 * lower-cased and looks them up the same way, so the unique key on email is case-insensitive for
 * every caller, without an accent-insensitive collation making two different addresses collide.
 */

export const users = mysqlTable(
  "users",
  {
    id: uuid("id").primaryKey(),
    /** Trimmed and lower-cased, at most 254 characters (the service refuses longer ones). */
    email: varchar("email", { length: 254 }).notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: at("created_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const refreshTokens = mysqlTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: uuid("family_id").notNull(),
    /** SHA-256 (hex) of the token. */
    tokenHash: varchar("token_hash", { length: 64 }).notNull(),
    expiresAt: at("expires_at").notNull(),
    createdAt: at("created_at").notNull(),
    /** Set when the token is used, logged out or its family revoked. */
    revokedAt: at("revoked_at"),
  },
  (t) => [
    uniqueIndex("refresh_tokens_token_hash_key").on(t.tokenHash),
    index("refresh_tokens_family_idx").on(t.familyId),
  ],
);
