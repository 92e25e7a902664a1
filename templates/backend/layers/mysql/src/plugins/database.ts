import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { type Database, NO_DATABASE_URL, openDatabase } from "../db/client.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";

declare module "fastify" {
  interface FastifyInstance {
    db: Database;
  }
}

/**
 * The database on `app.db`: MySQL (or MariaDB) at DATABASE_URL, migrated at start and closed with
 * the app. Tests pass an open one as `database`.
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
  const { databaseUrl } = app.config;
  if (!databaseUrl) throw new Error(NO_DATABASE_URL);
  try {
    return await openDatabase({ databaseUrl }, app.log);
  } catch (error) {
    const verb = isDatabaseUnavailable(error) ? "reach" : "open";
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot ${verb} MySQL at ${withoutPassword(databaseUrl)} (DATABASE_URL): ${reason}`,
      { cause: error },
    );
  }
}

export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
