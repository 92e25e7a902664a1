import { uuid } from "../drizzle.ts";
import { users } from "./users.ts";

/** A note belongs to the user who wrote it, and goes with them. */
export const ownerId = () => uuid("owner_id").references(() => users.id, { onDelete: "cascade" });
