import type { FastifyPluginAsync } from "fastify";
import type { IResolvers, MercuriusContext } from "mercurius";
import { badInput } from "../../errors.ts";
import type { Note, NotePatch } from "../../notes/types.ts";

const typeDefs = /* GraphQL */ `
  "A note."
  type Note {
    id: ID!
    "1 to 200 characters."
    title: String!
    "0 to 10000 characters."
    body: String!
    "ISO 8601 date-time."
    createdAt: String!
    "ISO 8601 date-time."
    updatedAt: String!
  }

  "One page of notes, newest first."
  type NotePage {
    items: [Note!]!
    "Pass it as \`cursor\` to get the next page; null on the last page."
    nextCursor: String
  }

  input CreateNoteInput {
    title: String!
    body: String!
  }

  "Only the fields given are changed."
  input UpdateNoteInput {
    title: String
    body: String
  }

  extend type Query {
    "The caller's notes, newest first. \`limit\` is 1 to 100."
    notes(limit: Int = 20, cursor: String): NotePage!
    "A note, or null when the caller has no note with this id."
    note(id: ID!): Note
  }

  extend type Mutation {
    createNote(input: CreateNoteInput!): Note!
    "A partial update, like PATCH."
    updateNote(id: ID!, input: UpdateNoteInput!): Note!
    deleteNote(id: ID!): Boolean!
  }
`;

interface UpdateInput {
  title?: string | null;
  body?: string | null;
}

/** Nullable in the schema so that it can be left out, but an explicit null is not a value. */
function patchOf(input: UpdateInput): NotePatch {
  const patch: NotePatch = {};
  for (const key of ["title", "body"] as const) {
    const value = input[key];
    if (value === null) throw badInput(`${key} cannot be null`);
    if (value !== undefined) patch[key] = value;
  }
  return patch;
}

/** Whose notes this request reads and writes (see src/plugins/notes.ts). */
const ownerOf = ({ app, reply }: MercuriusContext) => app.notesOwnerOf(reply.request);

/** The rules (limits, cursors) live in NotesService, `app.notes`; resolvers only map. */
const resolvers: IResolvers = {
  Query: {
    notes: async (_: unknown, args: { limit?: number | null; cursor?: string | null }, ctx) =>
      ctx.app.notes.list(await ownerOf(ctx), {
        limit: args.limit ?? undefined,
        cursor: args.cursor,
      }),
    note: async (_: unknown, args: { id: string }, ctx) =>
      ctx.app.notes.find(await ownerOf(ctx), args.id),
  },
  Mutation: {
    createNote: async (_: unknown, args: { input: { title: string; body: string } }, ctx) =>
      ctx.app.notes.create(await ownerOf(ctx), args.input),
    updateNote: async (_: unknown, args: { id: string; input: UpdateInput }, ctx) =>
      ctx.app.notes.update(await ownerOf(ctx), args.id, patchOf(args.input)),
    deleteNote: async (_: unknown, args: { id: string }, ctx) => {
      await ctx.app.notes.delete(await ownerOf(ctx), args.id);
      return true;
    },
  },
  Note: {
    createdAt: (note: Note) => new Date(note.createdAt).toISOString(),
    updatedAt: (note: Note) => new Date(note.updatedAt).toISOString(),
  },
};

/** The notes fields of /graphql: notes, note, createNote, updateNote, deleteNote. */
const notesGraphQL: FastifyPluginAsync = async (app) => {
  app.graphql.extendSchema(typeDefs);
  app.graphql.defineResolvers(resolvers);
};

export default notesGraphQL;
