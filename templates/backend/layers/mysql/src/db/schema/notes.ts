import { index, mysqlTable, text } from "drizzle-orm/mysql-core";
import { at, uuid } from "./columns.ts";
import { ownerId } from "./note-owner.ts";

/**
 * The notes table as Drizzle sees it; migrations/*.sql create it (test/schema.test.ts fails when
 * the two disagree). One index serves the list query for an owner and for shared notes alike:
 * MySQL looks `owner_id IS NULL` up in the index like any value, then reads it in
 * (created_at, id) order, backwards for DESC.
 */
export const notes = mysqlTable(
  "notes",
  {
    id: uuid("id").primaryKey(),
    ownerId: ownerId(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdAt: at("created_at").notNull(),
    updatedAt: at("updated_at").notNull(),
  },
  (t) => [index("notes_owner_created_idx").on(t.ownerId, t.createdAt, t.id)],
);
