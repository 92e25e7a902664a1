import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { BODY_ERRORS, problems } from "../http/schemas.ts";
import {
  BODY_MAX,
  LIMIT_DEFAULT,
  LIMIT_MAX,
  LIMIT_MIN,
  type NotesService,
  TITLE_MAX,
} from "./service.ts";
import type { Note, Owner } from "./types.ts";

/** Authentication for the notes routes: null when the app has no auth (notes have no owner). */
export interface NotesGuard {
  preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  userId: (request: FastifyRequest) => string;
}

export interface NotesRoutesOptions {
  notes: NotesService;
  guard: NotesGuard | null;
}

export const NoteSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    title: Type.String({ minLength: 1, maxLength: TITLE_MAX }),
    body: Type.String({ maxLength: BODY_MAX }),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { additionalProperties: false },
);

const NotePageSchema = Type.Object(
  {
    items: Type.Array(NoteSchema, { maxItems: LIMIT_MAX }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const CreateNote = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: TITLE_MAX }),
    body: Type.String({ maxLength: BODY_MAX }),
  },
  { additionalProperties: false },
);

const UpdateNote = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: TITLE_MAX })),
    body: Type.Optional(Type.String({ maxLength: BODY_MAX })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: LIMIT_MIN, maximum: LIMIT_MAX, default: LIMIT_DEFAULT }),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: "nextCursor of the previous page" }),
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String() });

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
export const notesRoutes: FastifyPluginAsyncTypebox<NotesRoutesOptions> = async (
  app,
  { notes, guard },
) => {
  const owner = (request: FastifyRequest): Owner => (guard ? guard.userId(request) : null);
  const auth = guard ? { preHandler: guard.preHandler } : {};
  const authErrors = guard ? [401] : [];
  const security = guard ? { security: [{ bearerAuth: [] }] } : {};

  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });

  app.get(
    "/",
    {
      prefixTrailingSlash: "no-slash",
      ...auth,
      schema: {
        tags: ["notes"],
        operationId: "listNotes",
        summary: "List notes, newest first",
        ...security,
        querystring: ListQuery,
        response: { 200: NotePageSchema, ...problems(400, ...authErrors) },
      },
    },
    async (request) => {
      const page = await notes.list(owner(request), request.query);
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  );

  app.post(
    "/",
    {
      prefixTrailingSlash: "no-slash",
      ...auth,
      schema: {
        tags: ["notes"],
        operationId: "createNote",
        summary: "Create a note",
        ...security,
        body: CreateNote,
        response: { 201: NoteSchema, ...problems(...BODY_ERRORS, ...authErrors) },
      },
    },
    async (request, reply) => {
      const note = await notes.create(owner(request), request.body);
      return reply.code(201).send(toDto(note));
    },
  );

  app.get(
    "/:id",
    {
      ...auth,
      schema: {
        tags: ["notes"],
        operationId: "getNote",
        summary: "Read a note",
        ...security,
        params: IdParams,
        response: { 200: NoteSchema, ...problems(404, ...authErrors) },
      },
    },
    async (request) => toDto(await notes.get(owner(request), request.params.id)),
  );

  app.patch(
    "/:id",
    {
      ...auth,
      schema: {
        tags: ["notes"],
        operationId: "updateNote",
        summary: "Change the title and/or the body of a note",
        ...security,
        params: IdParams,
        body: UpdateNote,
        response: { 200: NoteSchema, ...problems(...BODY_ERRORS, 404, ...authErrors) },
      },
    },
    async (request) => toDto(await notes.update(owner(request), request.params.id, request.body)),
  );

  app.delete(
    "/:id",
    {
      ...auth,
      schema: {
        tags: ["notes"],
        operationId: "deleteNote",
        summary: "Delete a note",
        ...security,
        params: IdParams,
        response: { 204: Type.Null({ description: "Deleted" }), ...problems(404, ...authErrors) },
      },
    },
    async (request, reply) => {
      await notes.delete(owner(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
