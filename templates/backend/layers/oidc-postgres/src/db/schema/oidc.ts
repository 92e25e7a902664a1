import { index, pgTable, text, uniqueIndex, uuid } from "../drizzle.ts";
import { at } from "./columns.ts";
import { users } from "./users.ts";

/** Provider identities and one-time login codes; migrations/0003_oidc.sql creates them. */

export const oidcIdentities = pgTable(
  "oidc_identities",
  {
    id: uuid("id").primaryKey(),
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
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

export const oidcLoginCodes = pgTable(
  "oidc_login_codes",
  {
    /** SHA-256 (hex) of the code. */
    codeHash: text("code_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [index("oidc_login_codes_expires_idx").on(t.expiresAt)],
);
