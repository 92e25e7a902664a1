import type { GraphQLModule } from "../graphql/types.ts";
import { badInput } from "../errors.ts";
import type { NotesService } from "./service.ts";
import type { Note, NotePatch } from "./types.ts";

const typeDefs = /* GraphQL */ `
  "A note. With authentication, each note belongs to the user who created it."
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

  type Query {
    "Notes, newest first. \`limit\` is 1 to 100."
    notes(limit: Int = 20, cursor: String): NotePage!
    "A note, or null when there is no such note (or it belongs to someone else)."
    note(id: ID!): Note
  }

  type Mutation {
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

/** The notes part of the schema; the rules (limits, ownership, cursors) live in NotesService. */
export function notesGraphQL(notes: NotesService): GraphQLModule {
  return {
    typeDefs,
    resolvers: {
      Query: {
        notes: async (_: unknown, args: { limit?: number | null; cursor?: string | null }, ctx) =>
          notes.list(await ctx.owner(), { limit: args.limit ?? undefined, cursor: args.cursor }),
        note: async (_: unknown, args: { id: string }, ctx) =>
          notes.find(await ctx.owner(), args.id),
      },
      Mutation: {
        createNote: async (_: unknown, args: { input: { title: string; body: string } }, ctx) =>
          notes.create(await ctx.owner(), args.input),
        updateNote: async (_: unknown, args: { id: string; input: UpdateInput }, ctx) =>
          notes.update(await ctx.owner(), args.id, patchOf(args.input)),
        deleteNote: async (_: unknown, args: { id: string }, ctx) => {
          await notes.delete(await ctx.owner(), args.id);
          return true;
        },
      },
      Note: {
        createdAt: (note: Note) => new Date(note.createdAt).toISOString(),
        updatedAt: (note: Note) => new Date(note.updatedAt).toISOString(),
      },
    },
  };
}
