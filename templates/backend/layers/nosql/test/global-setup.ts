import { MongoClient } from "mongodb";
import type { TestProject } from "vitest/node";
import { maskPassword } from "../src/db/client.ts";

declare module "vitest" {
  export interface ProvidedContext {
    mongodbUri: string;
  }
}

const HOW_TO =
  "set MONGODB_URI (e.g. `docker compose up -d mongo` then MONGODB_URI=mongodb://127.0.0.1:17017/test npm test)";

/**
 * Tests need a real MongoDB: MONGODB_URI when set, else mongodb-memory-server (which downloads a
 * mongod binary on first use). Without either the run fails with one line; it never passes
 * without a database.
 */
export default async function setup(project: TestProject) {
  let uri = process.env.MONGODB_URI;
  let stop: (() => Promise<unknown>) | undefined;
  if (!uri) {
    try {
      const { MongoMemoryServer } = await import("mongodb-memory-server-core");
      const server = await quietly(() => MongoMemoryServer.create());
      uri = server.getUri();
      stop = () => server.stop();
    } catch (error) {
      fail(
        `no MongoDB is available (mongodb-memory-server could not start: ${reason(error)}); ${HOW_TO}`,
      );
    }
  }
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    await client.db("admin").command({ ping: 1 });
  } catch (error) {
    await stop?.();
    fail(`cannot reach MongoDB at ${maskPassword(uri)} (MONGODB_URI): ${reason(error)}; ${HOW_TO}`);
  } finally {
    await client.close();
  }
  console.log(`tests: database = MongoDB at ${maskPassword(uri)}`);
  project.provide("mongodbUri", uri);
  return async () => {
    await stop?.();
  };
}

/** Prints one clear line and ends the run with a failure. */
function fail(line: string): never {
  console.error(`\ntests: ${line}\n`);
  process.exit(1);
}

function reason(error: unknown): string {
  const { message, msg } = error as { message?: string; msg?: string };
  const text = msg ?? message ?? String(error);
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}

/** mongodb-memory-server prints its own multi-line errors; keep the output to our one line. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { warn, error } = console;
  console.warn = () => {};
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.error = error;
  }
}
