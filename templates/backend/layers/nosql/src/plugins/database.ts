import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { type Database, maskPassword, openDatabase } from "../db/client.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";

declare module "fastify" {
  interface FastifyInstance {
    db: Database;
  }
}

/**
 * The database on `app.db`: MongoDB at MONGODB_URI, its indexes created at start, closed with the
 * app. Tests pass an open one as `database`.
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
  const { mongodbUri } = app.config;
  try {
    return await openDatabase({ mongodbUri }, app.log);
  } catch (error) {
    const unavailable = isDatabaseUnavailable(error);
    const reason = error instanceof Error ? error.message : String(error);
    // A server that does not answer is the usual case: say how to start one.
    const fix = unavailable
      ? "; start one (`docker compose up -d mongo` starts the one in compose.yaml) or set MONGODB_URI"
      : "";
    throw new Error(
      `cannot ${unavailable ? "reach" : "open"} MongoDB at ${maskPassword(mongodbUri)} (MONGODB_URI): ${reason}${fix}`,
      { cause: error },
    );
  }
}
