import type { SchemaPart } from "../support/graphql.ts";

/** The notes part of the schema (GRAPHQL.md). */
export default {
  query: {
    notes: "(limit: Int = 20, cursor: String): NotePage!",
    note: "(id: ID!): Note",
  },
  mutation: {
    createNote: "(input: CreateNoteInput!): Note!",
    updateNote: "(id: ID!, input: UpdateNoteInput!): Note!",
    deleteNote: "(id: ID!): Boolean!",
  },
  objects: {
    Note: {
      id: "(): ID!",
      title: "(): String!",
      body: "(): String!",
      createdAt: "(): String!",
      updatedAt: "(): String!",
    },
    NotePage: {
      items: "(): [Note!]!",
      nextCursor: "(): String",
    },
  },
  inputs: {
    CreateNoteInput: [
      { name: "title", type: "String!" },
      { name: "body", type: "String!" },
    ],
    UpdateNoteInput: [
      { name: "title", type: "String" },
      { name: "body", type: "String" },
    ],
  },
} satisfies SchemaPart;
