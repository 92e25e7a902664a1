/**
 * SQL injection and database error hygiene, through the notes service, so it holds for REST and
 * GraphQL alike. Runs on the database the other tests use (see test/global-setup.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../src/errors.ts";
import { createNotesRepository } from "../src/notes/repository.ts";
import { NotesService } from "../src/notes/service.ts";
import { createTestApp } from "./support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let notes: NotesService;

beforeAll(async () => {
  t = await createTestApp();
  notes = new NotesService(createNotesRepository(t.db as never));
});

afterAll(async () => {
  await t?.close();
});

const INJECTIONS = [
  "' OR 1=1--",
  "'; DROP TABLE notes; --",
  "1; SELECT pg_sleep(5)",
  "00000000-0000-4000-8000-000000000000' OR '1'='1",
  "(SELECT id FROM notes LIMIT 1)",
  "%",
  "\\",
];

/** The code of the AppError a call throws, "ok" when it succeeds; any other error fails. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "ok";
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

async function countNotes(): Promise<number> {
  const [row] = await t.db.sql.query<{ n: number | string }>("SELECT count(*) AS n FROM notes");
  return Number(row?.n);
}

describe("SQL injection", () => {
  it("ids, cursors and values are parameters: injections find nothing and change nothing", async () => {
    const mine = await notes.create(null, { title: "keep me", body: "" });
    const before = await countNotes();
    for (const payload of INJECTIONS) {
      expect(await outcome(() => notes.get(null, payload))).toBe("NOT_FOUND");
      expect(await notes.find(null, payload)).toBeNull();
      expect(await outcome(() => notes.update(null, payload, { title: "x" }))).toBe("NOT_FOUND");
      expect(await outcome(() => notes.delete(null, payload))).toBe("NOT_FOUND");
      const cursor = Buffer.from(`${Date.now()}.${payload}`).toString("base64url");
      expect(await outcome(() => notes.list(null, { cursor }))).toBe("BAD_USER_INPUT");
      expect(await outcome(() => notes.list(null, { cursor: payload }))).toBe("BAD_USER_INPUT");
    }
    expect(await countNotes()).toBe(before);
    expect((await notes.get(null, mine.id)).title).toBe("keep me");
  });

  it("SQL in titles and bodies is stored literally", async () => {
    for (const payload of INJECTIONS) {
      const note = await notes.create(null, { title: payload, body: payload });
      expect(await notes.get(null, note.id)).toMatchObject({ title: payload, body: payload });
    }
    // The table is still there (a DROP TABLE that ran would make this query fail).
    expect(await countNotes()).toBeGreaterThan(0);
  });

  it("limits outside 1..100 are refused, never passed to SQL", async () => {
    for (const limit of [0, -1, 101, 1e9, Number.NaN, 1.5]) {
      expect(await outcome(() => notes.list(null, { limit }))).toBe("BAD_USER_INPUT");
    }
  });
});

describe("text the database cannot store", () => {
  it("a NUL character or a lone surrogate is refused as bad input, not a database error", async () => {
    for (const text of ["a\u0000b", "\ud800", "ok\udfff"]) {
      expect(await outcome(() => notes.create(null, { title: text, body: "" }))).toBe(
        "BAD_USER_INPUT",
      );
      expect(await outcome(() => notes.create(null, { title: "t", body: text }))).toBe(
        "BAD_USER_INPUT",
      );
    }
    const note = await notes.create(null, { title: "t", body: "" });
    expect(await outcome(() => notes.update(null, note.id, { title: "a\u0000" }))).toBe(
      "BAD_USER_INPUT",
    );
    expect(await outcome(() => notes.get(null, "a\u0000b"))).toBe("NOT_FOUND");
  });
});
