import type { SchemaPart } from "../support/graphql.ts";

/** The auth part of the schema (GRAPHQL.md). */
export default {
  query: {
    me: "(): User!",
  },
  mutation: {
    register: "(email: String!, password: String!): AuthPayload!",
    login: "(email: String!, password: String!): AuthPayload!",
    refresh: "(refreshToken: String!): AuthPayload!",
    logout: "(refreshToken: String!): Boolean!",
  },
  objects: {
    User: { id: "(): ID!", email: "(): String!" },
    AuthPayload: {
      user: "(): User!",
      accessToken: "(): String!",
      refreshToken: "(): String!",
    },
  },
} satisfies SchemaPart;
