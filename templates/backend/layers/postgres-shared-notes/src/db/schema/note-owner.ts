import { uuid } from "../drizzle.ts";

/** Notes are shared by every caller: owner_id stays NULL. */
export const ownerId = () => uuid("owner_id");
