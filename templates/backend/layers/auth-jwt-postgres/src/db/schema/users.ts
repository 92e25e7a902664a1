import { index, pgTable, sql, text, uniqueIndex, uuid } from "../drizzle.ts";
import { at } from "./columns.ts";

/** The accounts tables as Drizzle sees them; migrations/0002_auth.sql creates them. */

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey(),
    /** Trimmed and lower-cased; unique whatever the case (index on lower(email)). */
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: at("created_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_key").on(sql`lower(${t.email})`)],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: uuid("family_id").notNull(),
    /** SHA-256 (hex) of the token. */
    tokenHash: text("token_hash").notNull().unique("refresh_tokens_token_hash_key"),
    expiresAt: at("expires_at").notNull(),
    createdAt: at("created_at").notNull(),
    /** Set when the token is used, logged out or its family revoked. */
    revokedAt: at("revoked_at"),
  },
  (t) => [index("refresh_tokens_family_idx").on(t.familyId)],
);
