import type { FastifyBaseLogger } from "fastify";
import { type Db, MongoClient } from "mongodb";
import type { Config } from "../config.ts";
import { ensureIndexes } from "./indexes.ts";

export interface Database {
  kind: "mongodb";
  client: MongoClient;
  db: Db;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The database to use instead of the one named in the URI (tests use one per file). */
  dbName?: string;
}

/** Connects to MONGODB_URI and creates the indexes (unique emails, note listing order). */
export async function openDatabase(
  config: Pick<Config, "mongodbUri">,
  log?: FastifyBaseLogger,
  options: OpenOptions = {},
): Promise<Database> {
  const client = new MongoClient(config.mongodbUri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    ignoreUndefined: true,
  });
  await client.connect();
  const db = client.db(options.dbName);
  try {
    await ensureIndexes(db);
  } catch (error) {
    await client.close();
    throw error;
  }
  log?.info({ database: db.databaseName }, "connected to MongoDB");
  let closed = false;
  return {
    kind: "mongodb",
    client,
    db,
    ping: async () => {
      await db.command({ ping: 1 }, { timeoutMS: 1_000 });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
