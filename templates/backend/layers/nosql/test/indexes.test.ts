import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CollectionIndexes } from "../src/db/client.ts";
import { createTestApp } from "./support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

describe("indexes", () => {
  it("every index declared in src/db/indexes/ exists once the database is open", async () => {
    const dir = join(import.meta.dirname, "../src/db/indexes");
    for (const file of await readdir(dir)) {
      const declared = (
        (await import(pathToFileURL(join(dir, file)).href)) as { default: CollectionIndexes }
      ).default;
      for (const [collection, indexes] of Object.entries(declared)) {
        const names = (await t.db.db.collection(collection).indexes()).map((index) => index.name);
        for (const { name } of indexes) expect(names, collection).toContain(name);
      }
    }
  });
});
