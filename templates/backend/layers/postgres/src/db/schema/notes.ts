import { index, pgTable, sql, text, uuid } from "../drizzle.ts";
import { at } from "./columns.ts";
import { ownerId } from "./note-owner.ts";

/**
 * The notes table as Drizzle sees it; migrations/*.sql create it (test/schema.test.ts fails when
 * the two disagree). `DESC NULLS FIRST` is PostgreSQL's `DESC`: the order the list query reads.
 */

export const notes = pgTable(
  "notes",
  {
    id: uuid("id").primaryKey(),
    ownerId: ownerId(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdAt: at("created_at").notNull(),
    updatedAt: at("updated_at").notNull(),
  },
  (t) => [
    index("notes_owner_created_idx").on(
      t.ownerId,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    // Shared notes have owner_id NULL, and `owner_id IS NULL` does not let the index above give
    // rows in created_at order: this one does.
    index("notes_unowned_created_idx")
      .on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.ownerId} IS NULL`),
  ],
);
