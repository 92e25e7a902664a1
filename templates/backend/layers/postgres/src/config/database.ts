import { Type } from "typebox";
import { configSection } from "../config.ts";

declare module "../config.ts" {
  interface Config {
    /** PostgreSQL URL; when unset the embedded PGlite database in `dataDir` is used. */
    databaseUrl: string | undefined;
    /** PGlite data directory (`memory://` keeps it in memory). */
    dataDir: string;
  }
}

/** The database: a PostgreSQL server, or PGlite (PostgreSQL embedded in the process). */
export default configSection(
  Type.Object({
    DATABASE_URL: Type.Optional(
      Type.String({
        pattern: "^postgres(ql)?://",
        description: "a postgres:// or postgresql:// URL",
      }),
    ),
    PGLITE_DATA_DIR: Type.String({ default: "./.data/pglite", description: "a folder" }),
  }),
  (env) => ({ databaseUrl: env.DATABASE_URL, dataDir: env.PGLITE_DATA_DIR }),
);
