import { Type } from "typebox";
import { configSection } from "../config.ts";

declare module "../config.ts" {
  interface Config {
    /**
     * The MySQL 8 or MariaDB 10.11+ server and database, `mysql://user:password@host:3306/db`.
     * Required to open the database (src/db/client.ts says how to start one when it is unset);
     * optional here so that the rest of the configuration loads and is checked without it.
     */
    databaseUrl: string | undefined;
  }
}

/** The database: a MySQL or MariaDB server. There is no embedded fallback. */
export default configSection(
  Type.Object({
    DATABASE_URL: Type.Optional(
      Type.String({
        pattern: "^mysql://[^/]+/[^/?]+",
        description: "a mysql://user:password@host:3306/database URL (the database named)",
      }),
    ),
  }),
  (env) => ({ databaseUrl: env.DATABASE_URL }),
);
