import { createRequire } from "node:module";
import type * as DrizzleOrm from "drizzle-orm";
import type * as PgCore from "drizzle-orm/pg-core";

// drizzle-orm is loaded from its CommonJS build. Node's ES module loader parses a package's
// package.json again for each module it loads from it, and drizzle-orm's holds a 180 KB "exports"
// map: importing its ~100 modules costs 0.3-0.5 s of CPU at every start (and at every save under
// `npm run dev`), require a tenth of that. Take drizzle's functions from here; its types can still
// come from "drizzle-orm" itself (`import type` loads nothing).
const require = createRequire(import.meta.url);

export const { and, count, desc, eq, gt, isNull, lt, sql } =
  require("drizzle-orm") as typeof DrizzleOrm;
export const { index, pgTable, text, timestamp, uniqueIndex, uuid } =
  require("drizzle-orm/pg-core") as typeof PgCore;
