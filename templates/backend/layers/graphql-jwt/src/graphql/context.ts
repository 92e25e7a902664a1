import type { FastifyRequest } from "fastify";
import type { AuthService } from "../auth/service.ts";
import type { User } from "../auth/types.ts";
import type { Owner } from "../notes/types.ts";

/** What every resolver gets as its context (besides mercurius's own `app` and `reply`). */
declare module "mercurius" {
  interface MercuriusContext {
    /** The signed-in user; throws UNAUTHENTICATED without a valid `Authorization: Bearer` token. */
    user(): Promise<User>;
    /** The owner of the caller's notes: the signed-in user's id (throws like `user()`). */
    owner(): Promise<Owner>;
    /** The client's IP address, counted by the login throttle. */
    ip: string;
  }
}

export function buildContext(request: FastifyRequest, auth: AuthService) {
  // Checked lazily, at most once per request: public fields (register, login, …) ignore the header.
  let user: Promise<User> | undefined;
  const currentUser = () => {
    user ??= auth.authenticateHeader(request.headers.authorization);
    return user;
  };
  return {
    user: currentUser,
    owner: async (): Promise<Owner> => (await currentUser()).id,
    ip: request.ip,
  };
}
