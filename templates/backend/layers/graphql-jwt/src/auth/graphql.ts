import type { GraphQLModule } from "../graphql/types.ts";
import { AppError } from "../errors.ts";
import type { AuthService } from "./service.ts";
import { Throttle } from "./throttle.ts";

/** Registrations per minute and client IP (as the REST route allows). */
export const REGISTER_LIMIT_PER_IP = 30;

const typeDefs = /* GraphQL */ `
  type User {
    id: ID!
    email: String!
  }

  type AuthPayload {
    user: User!
    "Send it as \`Authorization: Bearer <accessToken>\`. Short-lived (JWT_ACCESS_TTL)."
    accessToken: String!
    "Works once with \`refresh\`; reusing one revokes the whole session."
    refreshToken: String!
  }

  extend type Query {
    "The signed-in user."
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

/** The auth part of the schema; the rules live in AuthService. */
export function authGraphQL(auth: AuthService): GraphQLModule {
  const registrations = new Throttle(REGISTER_LIMIT_PER_IP, 60_000);
  return {
    typeDefs,
    resolvers: {
      Query: {
        me: async (_: unknown, _args: unknown, ctx) => ctx.user(),
      },
      Mutation: {
        register: (_: unknown, args: Credentials, ctx) => {
          try {
            registrations.hit(ctx.ip);
          } catch (error) {
            // RATE_LIMITED (429, Retry-After), with a message about registrations
            if (!(error instanceof AppError)) throw error;
            throw new AppError("RATE_LIMITED", "Too many registrations; try again later", {
              retryAfter: error.retryAfter,
            });
          }
          return auth.register(args.email, args.password);
        },
        login: (_: unknown, args: Credentials, ctx) =>
          auth.login(args.email, args.password, ctx.ip),
        refresh: (_: unknown, args: { refreshToken: string }) => auth.refresh(args.refreshToken),
        logout: async (_: unknown, args: { refreshToken: string }) => {
          await auth.logout(args.refreshToken);
          return true;
        },
      },
    },
  };
}
