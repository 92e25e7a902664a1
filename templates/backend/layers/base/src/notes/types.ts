/** The notes domain, shared by the REST routes and the GraphQL resolvers. */

export interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Who is asking: a user id with JWT auth, `null` when the app has no auth (notes have no owner). */
export type Owner = string | null;

export interface NoteInput {
  title: string;
  body: string;
}

export interface NotePatch {
  title?: string | undefined;
  body?: string | undefined;
}

/** Position after the last note of a page (newest first, ties broken by id). */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export interface NotePage {
  items: Note[];
  nextCursor: string | null;
}

/** Storage of notes; one implementation per database (src/notes/repository.ts). */
export interface NotesRepository {
  /** Up to `limit` notes of `owner` strictly after `after`, newest first, ties by id descending. */
  list(owner: Owner, limit: number, after: CursorPosition | null): Promise<Note[]>;
  get(owner: Owner, id: string): Promise<Note | null>;
  /** How many notes `owner` has. */
  count(owner: Owner): Promise<number>;
  create(owner: Owner, note: Note): Promise<Note>;
  /** Returns the updated note, or null when `owner` has no note `id`. */
  update(owner: Owner, id: string, patch: NotePatch & { updatedAt: Date }): Promise<Note | null>;
  /** Returns false when `owner` has no note `id`. */
  delete(owner: Owner, id: string): Promise<boolean>;
}
