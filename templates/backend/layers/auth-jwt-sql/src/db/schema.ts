import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Drizzle's view of the tables; migrations/*.sql creates them (keep the two in step). */

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "date" });

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  /** Trimmed and lower-cased; unique (index on lower(email)). */
  email: text("email").notNull(),
  passwordHash: text("password_hash").notNull(),
  createdAt: at("created_at").notNull(),
});

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: uuid("family_id").notNull(),
    /** SHA-256 (hex) of the token. */
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: at("expires_at").notNull(),
    createdAt: at("created_at").notNull(),
    /** Set when the token is used, logged out or its family revoked. */
    revokedAt: at("revoked_at"),
  },
  (t) => [index("refresh_tokens_family_idx").on(t.familyId)],
);

export const notes = pgTable(
  "notes",
  {
    id: uuid("id").primaryKey(),
    ownerId: uuid("owner_id").references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdAt: at("created_at").notNull(),
    updatedAt: at("updated_at").notNull(),
  },
  (t) => [
    index("notes_owner_created_idx").on(t.ownerId, t.createdAt.desc(), t.id.desc()),
    index("notes_unowned_created_idx")
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`${t.ownerId} IS NULL`),
  ],
);
