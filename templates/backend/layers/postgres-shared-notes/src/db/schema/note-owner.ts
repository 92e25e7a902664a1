import { uuid } from "drizzle-orm/pg-core";

/** Notes are shared by every caller: owner_id stays NULL. */
export const ownerId = () => uuid("owner_id");
