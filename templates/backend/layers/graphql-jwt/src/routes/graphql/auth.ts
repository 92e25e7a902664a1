import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { deviceCookie, readDeviceCookie } from "../../auth/device-cookie.ts";
import { Throttle } from "../../auth/throttle.ts";
import type { AuthResult } from "../../auth/types.ts";
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
  const registrations = new Throttle(REGISTER_LIMIT_PER_IP, 60_000, app.redis, "graphql-register:");
  /** A login's device token goes back as a cookie only /graphql receives (never in the data). */
  const withDeviceCookie = (ctx: { reply: FastifyReply }, result: AuthResult) => {
    if (result.deviceToken !== undefined) {
      ctx.reply.header(
        "set-cookie",
        deviceCookie(result.deviceToken, {
          path: "/graphql",
          secure: app.config.isProduction,
          maxAgeSeconds: app.auth.deviceTokenTtl,
        }),
      );
    }
    return result;
  };
  app.graphql.extendSchema(typeDefs);
  app.graphql.defineResolvers({
    Query: {
      me: async (_: unknown, _args: unknown, ctx) => ctx.reply.request.user(),
    },
    Mutation: {
      register: async (_: unknown, args: Credentials, ctx) => {
        try {
          await registrations.hit(ctx.reply.request.ip);
        } catch (error) {
          // RATE_LIMITED (429, Retry-After), with a message about registrations
          if (!(error instanceof AppError)) throw error;
          throw new AppError("RATE_LIMITED", "Too many registrations; try again later", {
            retryAfter: error.retryAfter,
          });
        }
        return withDeviceCookie(ctx, await ctx.app.auth.register(args.email, args.password));
      },
      login: async (_: unknown, args: Credentials, ctx) => {
        const { request } = ctx.reply;
        const result = await ctx.app.auth.login(
          args.email,
          args.password,
          request.ip,
          readDeviceCookie(request.headers.cookie),
        );
        return withDeviceCookie(ctx, result);
      },
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
