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
    const unavailable = isDatabaseUnavailable(error);
    // A server that does not answer is the usual case: say how to start one.
    const fix = unavailable
      ? "; start it (`docker compose up -d mysql` starts the one in compose.yaml) or set DATABASE_URL"
      : "";
    throw new Error(
      `cannot ${unavailable ? "reach" : "open"} MySQL at ${withoutPassword(databaseUrl)} (DATABASE_URL): ${reasonOf(error)}${fix}`,
      { cause: error },
    );
  }
}

/** The error's message; Node's connection errors to several addresses have an empty one. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error instanceof AggregateError ? error.errors[0] : undefined;
  return error.message || (inner instanceof Error ? inner.message : "") || String(error);
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
