import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";
import { BODY_MAX, LIMIT_DEFAULT, LIMIT_MAX, LIMIT_MIN, TITLE_MAX } from "../../notes/service.ts";
import type { Note } from "../../notes/types.ts";
import { BODY_ERRORS, empty, ok, problems } from "../../openapi/responses.ts";

/** Cursors are base64url of `<ms>.<uuid>` (about 70 characters). */
const CURSOR_MAX = 200;

// Examples that pass this API's own validation, so that the docs page's "Try it out" works with
// what it fills in (test/openapi-examples.test.ts sends every operation's examples).
const ID_EXAMPLE = "0b7a3f6e-5c1d-4e2a-9f3b-2d8c4a1e6f70";
/** A well-formed cursor: 2026-01-01T00:00:00Z and ID_EXAMPLE. */
const CURSOR_EXAMPLE = "MTc2NzIyNTYwMDAwMC4wYjdhM2Y2ZS01YzFkLTRlMmEtOWYzYi0yZDhjNGExZTZmNzA";

export const NoteSchema = Type.Object(
  {
    id: Type.String({ format: "uuid", maxLength: 36 }),
    title: Type.String({ minLength: 1, maxLength: TITLE_MAX }),
    body: Type.String({ maxLength: BODY_MAX }),
    createdAt: Type.String({ format: "date-time", maxLength: 32 }),
    updatedAt: Type.String({ format: "date-time", maxLength: 32 }),
  },
  { additionalProperties: false },
);

const NotePageSchema = Type.Object(
  {
    items: Type.Array(NoteSchema, { maxItems: LIMIT_MAX }),
    nextCursor: Type.Union([
      Type.String({ maxLength: CURSOR_MAX, description: "Pass as ?cursor= for the next page" }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

const CreateNote = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: TITLE_MAX, examples: ["Shopping list"] }),
    body: Type.String({ maxLength: BODY_MAX, examples: ["Milk, eggs, bread"] }),
  },
  { additionalProperties: false },
);

const UpdateNote = Type.Object(
  {
    title: Type.Optional(
      Type.String({ minLength: 1, maxLength: TITLE_MAX, examples: ["Shopping list (Saturday)"] }),
    ),
    body: Type.Optional(Type.String({ maxLength: BODY_MAX, examples: ["Milk, eggs, bread, tea"] })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    // Optional: the default applies when it is left out (the spec said "required" before).
    limit: Type.Optional(
      Type.Integer({
        minimum: LIMIT_MIN,
        maximum: LIMIT_MAX,
        default: LIMIT_DEFAULT,
        examples: [LIMIT_DEFAULT],
      }),
    ),
    cursor: Type.Optional(
      Type.String({
        maxLength: CURSOR_MAX,
        description: "nextCursor of the previous page",
        examples: [CURSOR_EXAMPLE],
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Any string is accepted here and an id of the wrong shape is a 404 (never a 400 or a 500), so no
 * format or pattern; 8192 is the router's maxParamLength (src/app.ts): a longer id never gets here.
 */
const IdParams = Type.Object(
  {
    id: Type.String({
      maxLength: 8192,
      description: "A note's id (a UUID)",
      examples: [ID_EXAMPLE],
    }),
  },
  { additionalProperties: false },
);

type NoteDto = Static<typeof NoteSchema>;

function toDto(note: Note): NoteDto {
  return {
    id: note.id,
    title: note.title,
    body: note.body,
    createdAt: note.createdAt.toISOString(),
    updatedAt: note.updatedAt.toISOString(),
  };
}

/** /notes: list (cursor pagination), create, read, update, delete. */
const notesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { notes } = app;
  const missing = "An id that matches no note the caller may see is a 404 (never a 403).";
  app.openapi.tags.push({ name: "notes", description: "Notes (CRUD, cursor pagination)" });

  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });

  app.get(
    "/",
    {
      prefixTrailingSlash: "no-slash",
      schema: {
        tags: ["notes"],
        operationId: "listNotes",
        summary: "List notes, newest first",
        description: `The caller's notes, newest first (ties by id), \`limit\` (${LIMIT_MIN}..${LIMIT_MAX}) per page; follow \`nextCursor\` for the next page.`,
        querystring: ListQuery,
        response: { 200: ok(NotePageSchema, "A page of notes"), ...problems(400) },
      },
    },
    async (request) => {
      const page = await notes.list(await app.notesOwnerOf(request), request.query);
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  );

  app.post(
    "/",
    {
      prefixTrailingSlash: "no-slash",
      schema: {
        tags: ["notes"],
        operationId: "createNote",
        summary: "Create a note",
        description:
          "Creates a note of the caller; unknown fields are refused (400). A caller who already has the most notes one owner may store (NOTES_MAX_PER_OWNER) gets 409.",
        body: CreateNote,
        response: { 201: ok(NoteSchema, "The new note"), ...problems(...BODY_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const note = await notes.create(await app.notesOwnerOf(request), request.body);
      return reply.code(201).send(toDto(note));
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        tags: ["notes"],
        operationId: "getNote",
        summary: "Read a note",
        description: missing,
        params: IdParams,
        response: { 200: ok(NoteSchema, "The note"), ...problems(404) },
      },
    },
    async (request) => toDto(await notes.get(await app.notesOwnerOf(request), request.params.id)),
  );

  app.patch(
    "/:id",
    {
      schema: {
        tags: ["notes"],
        operationId: "updateNote",
        summary: "Change the title and/or the body of a note",
        description: `Only the fields sent change. ${missing}`,
        params: IdParams,
        body: UpdateNote,
        response: {
          200: ok(NoteSchema, "The changed note"),
          ...problems(...BODY_ERRORS, 404),
        },
      },
    },
    async (request) =>
      toDto(await notes.update(await app.notesOwnerOf(request), request.params.id, request.body)),
  );

  app.delete(
    "/:id",
    {
      schema: {
        tags: ["notes"],
        operationId: "deleteNote",
        summary: "Delete a note",
        description: missing,
        params: IdParams,
        response: { 204: empty("Deleted"), ...problems(404) },
      },
    },
    async (request, reply) => {
      await notes.delete(await app.notesOwnerOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default notesRoutes;
