import { randomUUID } from "node:crypto";
import { AppError, badInput, notFound } from "../errors.ts";
import type {
  CursorPosition,
  Note,
  NoteInput,
  NotePage,
  NotePatch,
  NotesRepository,
  Owner,
} from "./types.ts";

export const TITLE_MAX = 200;
export const BODY_MAX = 10_000;
export const LIMIT_MIN = 1;
export const LIMIT_MAX = 100;
export const LIMIT_DEFAULT = 20;
/** Notes one owner may store unless the service is told otherwise (NOTES_MAX_PER_OWNER). */
export const MAX_PER_OWNER_DEFAULT = 10_000;
/** The latest instant a cursor may name: 9999-12-31T23:59:59.999Z (every database stores it). */
export const CURSOR_TIME_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Notes use cases. Framework-free: every rule lives here (the REST schemas repeat the limits for
 * documentation and early rejection). Errors are `AppError`s. A note of another owner, or an id of
 * the wrong shape, is NOT_FOUND. An owner who already has `maxPerOwner` notes gets CONFLICT for
 * one more (checked before each insert: concurrent creates may pass it by their number).
 */
export class NotesService {
  readonly #repository: NotesRepository;
  readonly #maxPerOwner: number;

  constructor(repository: NotesRepository, options: { maxPerOwner?: number | undefined } = {}) {
    this.#repository = repository;
    this.#maxPerOwner = options.maxPerOwner ?? MAX_PER_OWNER_DEFAULT;
  }

  async list(
    owner: Owner,
    options: { limit?: number | undefined; cursor?: string | undefined | null } = {},
  ): Promise<NotePage> {
    const limit = options.limit ?? LIMIT_DEFAULT;
    if (!Number.isInteger(limit) || limit < LIMIT_MIN || limit > LIMIT_MAX) {
      throw badInput(`limit must be an integer from ${LIMIT_MIN} to ${LIMIT_MAX}`);
    }
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    const rows = await this.#repository.list(owner, limit + 1, after);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor(last) : null;
    return { items, nextCursor };
  }

  async get(owner: Owner, id: string): Promise<Note> {
    const note = isId(id) ? await this.#repository.get(owner, id.toLowerCase()) : null;
    if (!note) throw notFound("Note not found");
    return note;
  }

  /** Like get, but null for a missing or foreign note (GraphQL `note(id)`). */
  async find(owner: Owner, id: string): Promise<Note | null> {
    return isId(id) ? this.#repository.get(owner, id.toLowerCase()) : null;
  }

  async create(owner: Owner, input: NoteInput): Promise<Note> {
    checkTitle(input.title);
    checkBody(input.body);
    if ((await this.#repository.count(owner)) >= this.#maxPerOwner) {
      throw new AppError(
        "CONFLICT",
        `You already have the maximum of ${this.#maxPerOwner} notes; delete some to add more`,
      );
    }
    const now = new Date();
    return this.#repository.create(owner, {
      id: randomUUID(),
      title: input.title,
      body: input.body,
      createdAt: now,
      updatedAt: now,
    });
  }

  async update(owner: Owner, id: string, patch: NotePatch): Promise<Note> {
    if (patch.title !== undefined) checkTitle(patch.title);
    if (patch.body !== undefined) checkBody(patch.body);
    const changes: NotePatch & { updatedAt: Date } = { updatedAt: new Date() };
    if (patch.title !== undefined) changes.title = patch.title;
    if (patch.body !== undefined) changes.body = patch.body;
    const note = isId(id) ? await this.#repository.update(owner, id.toLowerCase(), changes) : null;
    if (!note) throw notFound("Note not found");
    return note;
  }

  async delete(owner: Owner, id: string): Promise<void> {
    const deleted = isId(id) ? await this.#repository.delete(owner, id.toLowerCase()) : false;
    if (!deleted) throw notFound("Note not found");
  }
}

function isId(id: string): boolean {
  return typeof id === "string" && UUID.test(id);
}

function checkTitle(title: unknown) {
  if (typeof title !== "string" || title.length < 1 || title.length > TITLE_MAX) {
    throw badInput(`title must be a string of 1 to ${TITLE_MAX} characters`);
  }
  checkStorable("title", title);
}

function checkBody(body: unknown) {
  if (typeof body !== "string" || body.length > BODY_MAX) {
    throw badInput(`body must be a string of at most ${BODY_MAX} characters`);
  }
  checkStorable("body", body);
}

/** NUL characters and lone surrogates cannot be stored as text (PostgreSQL refuses them). */
function checkStorable(name: string, text: string) {
  if (text.includes("\0") || Buffer.from(text, "utf8").toString("utf8") !== text) {
    throw badInput(`${name} must not contain NUL characters or invalid Unicode`);
  }
}

/** Opaque cursor: base64url of `<createdAt ms>.<id>`. */
export function encodeCursor(note: Pick<Note, "createdAt" | "id">): string {
  return Buffer.from(`${note.createdAt.getTime()}.${note.id}`).toString("base64url");
}

/**
 * A cursor as the client sent it, checked to its real range before any query sees it: its time
 * from 1970 to the end of year 9999 (a later one, valid for Date, breaks the databases' date
 * types), its id a UUID. Anything else is BAD_USER_INPUT.
 */
export function decodeCursor(cursor: string): CursorPosition {
  const invalid = new AppError("BAD_USER_INPUT", "cursor is invalid");
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  const match = /^(\d{1,15})\.(.+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match?.[1] || !match[2] || !UUID.test(match[2])) throw invalid;
  const time = Number(match[1]);
  if (!Number.isSafeInteger(time) || time > CURSOR_TIME_MAX) throw invalid;
  return { createdAt: new Date(time), id: match[2].toLowerCase() };
}
