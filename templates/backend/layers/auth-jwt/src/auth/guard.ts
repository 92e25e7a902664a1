import type { FastifyReply, FastifyRequest } from "fastify";
import type { AuthService } from "./service.ts";
import type { User } from "./types.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the auth guard on routes that require a user. */
    user?: User;
  }
}

export interface AuthGuard {
  /** preHandler: 401 (problem+json, WWW-Authenticate: Bearer) unless a valid access token is sent. */
  preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The id of the user the preHandler authenticated. */
  userId: (request: FastifyRequest) => string;
}

export function authGuard(auth: AuthService): AuthGuard {
  return {
    preHandler: async (request) => {
      request.user = await auth.authenticateHeader(request.headers.authorization);
    },
    userId: (request) => currentUser(request).id,
  };
}

/** The authenticated user of a guarded route. */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) throw new Error("currentUser() used on a route without the auth guard");
  return request.user;
}
