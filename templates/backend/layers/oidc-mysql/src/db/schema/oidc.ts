import { index, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { at, uuid } from "./columns.ts";
import { users } from "./users.ts";

/** Provider identities and one-time login codes; migrations/0003_oidc.sql creates them. */

export const oidcIdentities = mysqlTable(
  "oidc_identities",
  {
    id: uuid("id").primaryKey(),
    issuer: varchar("issuer", { length: 255 }).notNull(),
    /** At most 255 ASCII characters (OpenID Connect Core 1.0, section 2). */
    subject: varchar("subject", { length: 255 }).notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: at("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("oidc_identities_issuer_subject_key").on(t.issuer, t.subject),
    index("oidc_identities_user_idx").on(t.userId),
  ],
);

export const oidcLoginCodes = mysqlTable(
  "oidc_login_codes",
  {
    /** SHA-256 (hex) of the code. */
    codeHash: varchar("code_hash", { length: 64 }).primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [index("oidc_login_codes_expires_idx").on(t.expiresAt)],
);
