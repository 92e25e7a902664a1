import type { SchemaPart } from "../support/graphql.ts";

/** Sign-in through an OpenID Connect provider: the last step (CONTRACT.md, GraphQL). */
export default {
  mutation: {
    oidcExchange: "(code: String!): AuthPayload!",
  },
} satisfies SchemaPart;
