import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FastifyBaseLogger } from "fastify";
import { type Db, type IndexDescription, MongoClient } from "mongodb";

export interface Database {
  kind: "mongodb";
  client: MongoClient;
  db: Db;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseConfig {
  /** The connection string; the database name comes from its path. */
  mongodbUri: string;
}

export interface OpenOptions {
  /** The database to use instead of the one named in the URI (tests use one per file). */
  dbName?: string;
}

/**
 * What a file of src/db/indexes/ exports as default: the indexes a part of the app relies on, by
 * collection name, each with a `name` (`notes.ts` is the example to copy). A new file there is
 * applied at the next start; changing an existing index's options needs it dropped first.
 */
export type CollectionIndexes = Record<string, IndexDescription[]>;

/** Connects to MONGODB_URI and creates the indexes that the files of src/db/indexes/ declare. */
export async function openDatabase(
  config: DatabaseConfig,
  log?: FastifyBaseLogger,
  options: OpenOptions = {},
): Promise<Database> {
  const client = new MongoClient(config.mongodbUri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    ignoreUndefined: true,
  });
  const db = client.db(options.dbName);
  try {
    await client.connect();
    await ensureIndexes(db);
  } catch (error) {
    await client.close().catch(() => {});
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

/**
 * The URI with its password masked, for messages and logs: everything between the user name and
 * the last `@` before the options (not `URL`: a mongodb:// URI may list several hosts).
 */
export function maskPassword(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/[^:@/?]*):[^?]*@/i, "$1:***@");
}

/** Creates every declared index; idempotent, so it runs at every start. */
async function ensureIndexes(db: Db): Promise<void> {
  const dir = join(import.meta.dirname, "indexes");
  const files = (await readdir(dir)).filter((file) => /^[^.]+\.(ts|js)$/.test(file)).sort();
  for (const file of files) {
    const module = await import(pathToFileURL(join(dir, file)).href);
    const indexes = module.default as CollectionIndexes;
    for (const [collection, descriptions] of Object.entries(indexes)) {
      await db.collection(collection).createIndexes(descriptions);
    }
  }
}
