import type { FastifyPluginAsync } from "fastify";

const typeDefs = /* GraphQL */ `
  extend type Mutation {
    "Trade the one-time code of a sign-in through the OpenID Connect provider (the \`#code=…\` of the page the browser landed on) for tokens. A code works once, within 60 seconds."
    oidcExchange(code: String!): AuthPayload!
  }
`;

/** The `oidcExchange` mutation: the last step of a sign-in through the provider (app.oidc()). */
const oidcGraphQL: FastifyPluginAsync = async (app) => {
  app.graphql.extendSchema(typeDefs);
  app.graphql.defineResolvers({
    Mutation: {
      oidcExchange: (_: unknown, args: { code: string }, ctx) => ctx.app.oidc().exchange(args.code),
    },
  });
};

export default oidcGraphQL;
