import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/app.ts";
import { gql } from "./support/graphql.ts";
import { newSession } from "./support/session.ts";

interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

const NOTE = "id title body createdAt updatedAt";
const CREATE = `mutation ($input: CreateNoteInput!) { createNote(input: $input) { ${NOTE} } }`;
const GET = `query ($id: ID!) { note(id: $id) { ${NOTE} } }`;
const LIST = `query ($limit: Int, $cursor: String) {
  notes(limit: $limit, cursor: $cursor) { items { ${NOTE} } nextCursor }
}`;
const UPDATE = `mutation ($id: ID!, $input: UpdateNoteInput!) { updateNote(id: $id, input: $input) { ${NOTE} } }`;
const DELETE = "mutation ($id: ID!) { deleteNote(id: $id) }";
const MISSING_ID = "00000000-0000-4000-8000-000000000000";

let t: Awaited<ReturnType<typeof createTestApp>>;
let headers: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  headers = await newSession(t.app);
});
afterAll(async () => {
  await t?.close();
});

async function createNote(title: string, body = "") {
  const result = await gql<{ createNote: Note }>(
    t.app,
    CREATE,
    { input: { title, body } },
    headers,
  );
  expect(result.errors).toBeUndefined();
  return result.data?.createNote as Note;
}

describe("notes over GraphQL", () => {
  it("creates, reads, updates (partially) and deletes a note", async () => {
    const created = await createNote("First", "Hello");
    expect(created).toMatchObject({ title: "First", body: "Hello" });
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
    expect(created.updatedAt).toBe(created.createdAt);

    const read = await gql<{ note: Note }>(t.app, GET, { id: created.id }, headers);
    expect(read.data?.note).toEqual(created);

    const updated = await gql<{ updateNote: Note }>(
      t.app,
      UPDATE,
      { id: created.id, input: { body: "Changed" } },
      headers,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateNote).toMatchObject({
      id: created.id,
      title: "First",
      body: "Changed",
    });
    expect((updated.data?.updateNote.updatedAt ?? "") >= created.updatedAt).toBe(true);

    const deleted = await gql(t.app, DELETE, { id: created.id }, headers);
    expect(deleted.data).toEqual({ deleteNote: true });

    const gone = await gql(t.app, GET, { id: created.id }, headers);
    expect(gone.statusCode).toBe(200);
    expect(gone.data).toEqual({ note: null });
    expect(gone.errors).toBeUndefined();
  });

  it("answers note(id) with null, and no error, for a missing or malformed id", async () => {
    for (const id of [MISSING_ID, "not-an-id", "1", "' OR 1=1 --", "a".repeat(500)]) {
      const result = await gql(t.app, GET, { id }, headers);
      expect(result.data).toEqual({ note: null });
      expect(result.errors).toBeUndefined();
    }
  });

  it("answers NOT_FOUND when updating or deleting a missing or malformed id", async () => {
    for (const id of [MISSING_ID, "not-an-id"]) {
      const updated = await gql(t.app, UPDATE, { id, input: { title: "x" } }, headers);
      expect(updated.codes).toEqual(["NOT_FOUND"]);
      const deleted = await gql(t.app, DELETE, { id }, headers);
      expect(deleted.codes).toEqual(["NOT_FOUND"]);
    }
  });

  it("checks titles (1..200) and bodies (0..10000) with BAD_USER_INPUT", async () => {
    expect((await createNote("t".repeat(200), "b".repeat(10_000))).title).toHaveLength(200);
    expect((await createNote("t", "")).body).toBe("");
    for (const input of [
      { title: "", body: "" },
      { title: "t".repeat(201), body: "" },
      { title: "t", body: "b".repeat(10_001) },
    ]) {
      const result = await gql(t.app, CREATE, { input }, headers);
      expect(result.data).toBeNull();
      expect(result.codes).toEqual(["BAD_USER_INPUT"]);
    }
    const note = await createNote("keep");
    for (const input of [
      { title: "" },
      { title: null },
      { body: null },
      { body: "b".repeat(10_001) },
    ]) {
      const result = await gql(t.app, UPDATE, { id: note.id, input }, headers);
      expect(result.codes).toEqual(["BAD_USER_INPUT"]);
    }
    expect((await gql<{ note: Note }>(t.app, GET, { id: note.id }, headers)).data?.note.title).toBe(
      "keep",
    );
  });

  it("rejects unknown input fields and wrong types before running anything", async () => {
    const extra = await gql(
      t.app,
      CREATE,
      { input: { title: "t", body: "", ownerId: "x" } },
      headers,
    );
    expect(extra.statusCode).toBe(400);
    expect(extra.codes).toEqual(["BAD_USER_INPUT"]);
    const wrongType = await gql(t.app, CREATE, { input: { title: 123, body: "" } }, headers);
    expect(wrongType.codes).toEqual(["BAD_USER_INPUT"]);
    const literal = await gql(
      t.app,
      `mutation { createNote(input: { title: 1, body: "" }) { id } }`,
      {},
      headers,
    );
    expect(literal.statusCode).toBe(400);
    expect(literal.codes).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("pages through more than one page, newest first, without repeats or gaps", async () => {
    const pager = await createTestApp();
    try {
      const session = await newSession(pager.app);
      const titles: string[] = [];
      for (let i = 0; i < 25; i++) {
        const title = `note ${String(i).padStart(2, "0")}`;
        titles.push(title);
        const created = await gql(pager.app, CREATE, { input: { title, body: "" } }, session);
        expect(created.errors).toBeUndefined();
      }
      const seen: Note[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<
          ReturnType<typeof gql<{ notes: { items: Note[]; nextCursor: string | null } }>>
        > = await gql(pager.app, LIST, { limit: 10, cursor }, session);
        expect(page.errors).toBeUndefined();
        const notes = page.data?.notes;
        if (!notes) throw new Error("no page");
        expect(notes.items.length).toBeLessThanOrEqual(10);
        seen.push(...notes.items);
        cursor = notes.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      // Newest first, ties (same millisecond) broken by id: every page continues where the last one stopped.
      expect(seen.map((n) => n.title).sort()).toEqual([...titles].sort());
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [seen[i - 1] as Note, seen[i] as Note];
        expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id)).toBe(
          true,
        );
      }

      const defaults = await gql<{ notes: { items: Note[] } }>(
        pager.app,
        "{ notes { items { id } } }",
        {},
        session,
      );
      expect(defaults.data?.notes.items).toHaveLength(20);
    } finally {
      await pager.close();
    }
  });

  it("refuses a limit outside 1..100 and a malformed cursor with BAD_USER_INPUT", async () => {
    for (const limit of [0, -1, 101]) {
      const result = await gql(t.app, LIST, { limit }, headers);
      expect(result.data).toBeNull();
      expect(result.codes).toEqual(["BAD_USER_INPUT"]);
    }
    for (const cursor of ["!!!", "bm90LWEtY3Vyc29y", "x".repeat(1000)]) {
      const result = await gql(t.app, LIST, { cursor }, headers);
      expect(result.codes).toEqual(["BAD_USER_INPUT"]);
    }
    const ok = await gql(t.app, LIST, { limit: 100 }, headers);
    expect(ok.errors).toBeUndefined();
  });
});
