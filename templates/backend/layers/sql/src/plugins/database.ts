import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { type Database, openDatabase } from "../db/client.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";

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
    // A server that does not answer is the usual case: say how to start one, or to do without.
    const fix =
      databaseUrl && isDatabaseUnavailable(error)
        ? "; start it (`docker compose up -d postgres` starts the one in compose.yaml), or unset DATABASE_URL to use embedded PGlite"
        : "";
    throw new Error(`cannot open ${where}: ${reasonOf(error)}${fix}`, { cause: error });
  }
}

/** The error's message; Node's connection errors to several addresses have an empty one. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error instanceof AggregateError ? error.errors[0] : undefined;
  return error.message || (inner instanceof Error ? inner.message : "") || String(error);
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
