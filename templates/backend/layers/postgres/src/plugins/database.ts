import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { type Database, openDatabase } from "../db/client.ts";

declare module "fastify" {
  interface FastifyInstance {
    db: Database;
  }
}

/**
 * The database on `app.db`: PostgreSQL at DATABASE_URL, or the embedded PGlite database when it is
 * unset, migrated at start and closed with the app. Tests pass an open one as `database`.
 */
export default fp<{ database?: Database }>(
  async (app, options) => {
    const db = options.database ?? (await open(app));
    if (!options.database) app.addHook("onClose", () => db.close());
    app.decorate("db", db);
  },
  { name: "database" },
);

async function open(app: FastifyInstance): Promise<Database> {
  const { databaseUrl, dataDir } = app.config;
  try {
    return await openDatabase({ databaseUrl, dataDir }, app.log);
  } catch (error) {
    const where = databaseUrl
      ? `PostgreSQL at ${withoutPassword(databaseUrl)} (DATABASE_URL)`
      : `the embedded PGlite database in ${dataDir} (PGLITE_DATA_DIR)`;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open ${where}: ${reason}`, { cause: error });
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
