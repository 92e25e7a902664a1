/**
 * The notes service over the real database of this project (app.notes), so it holds for every
 * database and API: decoded inputs (cursors, limits) are checked to their real range before a
 * query, and one owner stores at most NOTES_MAX_PER_OWNER notes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CURSOR_TIME_MAX } from "../src/notes/service.ts";
import { createTestApp } from "./support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
const MAX = 3;

beforeAll(async () => {
  t = await createTestApp({ NOTES_MAX_PER_OWNER: String(MAX) });
});

afterAll(async () => {
  await t?.close();
});

/**
 * The code of the AppError a call throws, "ok" when it succeeds; any other error fails. (By name:
 * the app loads its plugins itself, so its AppError class is not the one this file would import.)
 */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "ok";
  } catch (error) {
    if (error instanceof Error && error.name === "AppError")
      return String((error as Error & { code?: unknown }).code);
    throw error;
  }
}

const ID = "00000000-0000-4000-8000-000000000000";
/** A cursor as a client could craft one: base64url of `<ms>.<id>`. */
const cursorAt = (ms: number | string, id = ID) => Buffer.from(`${ms}.${id}`).toString("base64url");

describe("decoded inputs are checked to their real range before a query", () => {
  it("a cursor time after year 9999 is BAD_USER_INPUT; times up to the end of 9999 are read", async () => {
    for (const ms of [
      Date.UTC(10000, 0, 1), // year 10000
      CURSOR_TIME_MAX + 1,
      8_640_000_000_000_000, // the last instant Date can hold (16 digits)
      "999999999999999", // 15 digits: a valid Date in year 31690
      "-1",
      "1e12",
    ]) {
      expect(await outcome(() => t.app.notes.list(null, { cursor: cursorAt(ms) }))).toBe(
        "BAD_USER_INPUT",
      );
    }
    const note = await t.app.notes.create(null, { title: "range", body: "" });
    const last = await t.app.notes.list(null, { cursor: cursorAt(CURSOR_TIME_MAX) });
    expect(last.items.map((item) => item.id)).toContain(note.id);
    expect((await t.app.notes.list(null, { cursor: cursorAt(0) })).items).toEqual([]);
    await t.app.notes.delete(null, note.id);
  });

  it("a cursor whose id is not a UUID, and a limit outside 1..100, are BAD_USER_INPUT", async () => {
    expect(await outcome(() => t.app.notes.list(null, { cursor: cursorAt(0, "1 OR 1=1") }))).toBe(
      "BAD_USER_INPUT",
    );
    for (const limit of [0, 101, 1.5, Number.NaN, 2 ** 53]) {
      expect(await outcome(() => t.app.notes.list(null, { limit }))).toBe("BAD_USER_INPUT");
    }
  });
});

describe("notes per owner", () => {
  it("NOTES_MAX_PER_OWNER notes, then CONFLICT for one more; deleting one makes room", async () => {
    const created = [];
    for (let i = 0; i < MAX; i++) {
      created.push(await t.app.notes.create(null, { title: `n${i}`, body: "" }));
    }
    const refused = t.app.notes.create(null, { title: "one too many", body: "" });
    await expect(refused).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(String(MAX)),
    });
    expect((await t.app.notes.list(null, { limit: 100 })).items).toHaveLength(MAX);
    await t.app.notes.delete(null, created[0]?.id ?? "");
    expect(await outcome(() => t.app.notes.create(null, { title: "room", body: "" }))).toBe("ok");
    // The owner's notes go again: the other tests here add notes of their own, in any order.
    for (const note of (await t.app.notes.list(null, { limit: 100 })).items) {
      await t.app.notes.delete(null, note.id);
    }
  });
});
