import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Drizzle's view of the tables; migrations/*.sql creates them (keep the two in step). */

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "date" });

export const notes = pgTable(
  "notes",
  {
    id: uuid("id").primaryKey(),
    /** The owning user; null when the app has no authentication. */
    ownerId: uuid("owner_id"),
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
