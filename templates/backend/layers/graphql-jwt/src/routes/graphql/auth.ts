import type { FastifyPluginAsync } from "fastify";
import { Throttle } from "../../auth/throttle.ts";
import { AppError } from "../../errors.ts";

/** Registrations per minute and client IP (as the REST route allows). */
export const REGISTER_LIMIT_PER_IP = 30;

const typeDefs = /* GraphQL */ `
  type User {
    id: ID!
    email: String!
  }

  type AuthPayload {
    user: User!
    "Send it as \`Authorization: Bearer <accessToken>\` (in GraphiQL: under Headers). Short-lived (JWT_ACCESS_TTL)."
    accessToken: String!
    "Works once with \`refresh\`; reusing one revokes the whole session."
    refreshToken: String!
  }

  extend type Query {
    "The signed-in user. Every field but register, login, refresh and logout needs \`Authorization: Bearer <accessToken>\`."
    me: User!
  }

  extend type Mutation {
    "Create an account. Emails compare case-insensitively; passwords have at least 8 characters."
    register(email: String!, password: String!): AuthPayload!
    login(email: String!, password: String!): AuthPayload!
    "Trade a refresh token for a new pair (rotation)."
    refresh(refreshToken: String!): AuthPayload!
    "End the session of this refresh token."
    logout(refreshToken: String!): Boolean!
  }
`;

interface Credentials {
  email: string;
  password: string;
}

/**
 * The auth fields of /graphql: me, register, login, refresh, logout. The rules live in AuthService
 * (`app.auth`); `request.user()` checks the access token.
 */
const authGraphQL: FastifyPluginAsync = async (app) => {
  const registrations = new Throttle(REGISTER_LIMIT_PER_IP, 60_000);
  app.graphql.extendSchema(typeDefs);
  app.graphql.defineResolvers({
    Query: {
      me: async (_: unknown, _args: unknown, ctx) => ctx.reply.request.user(),
    },
    Mutation: {
      register: (_: unknown, args: Credentials, ctx) => {
        try {
          registrations.hit(ctx.reply.request.ip);
        } catch (error) {
          // RATE_LIMITED (429, Retry-After), with a message about registrations
          if (!(error instanceof AppError)) throw error;
          throw new AppError("RATE_LIMITED", "Too many registrations; try again later", {
            retryAfter: error.retryAfter,
          });
        }
        return ctx.app.auth.register(args.email, args.password);
      },
      login: (_: unknown, args: Credentials, ctx) =>
        ctx.app.auth.login(args.email, args.password, ctx.reply.request.ip),
      refresh: (_: unknown, args: { refreshToken: string }, ctx) =>
        ctx.app.auth.refresh(args.refreshToken),
      logout: async (_: unknown, args: { refreshToken: string }, ctx) => {
        await ctx.app.auth.logout(args.refreshToken);
        return true;
      },
    },
  });
};

export default authGraphQL;
