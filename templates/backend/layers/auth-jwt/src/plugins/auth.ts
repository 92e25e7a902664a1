import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { loginAttemptStore } from "../auth/fallback-attempt-store.ts";
import { LoginThrottle } from "../auth/login-throttle.ts";
import { ARGON2, PasswordHasher } from "../auth/password.ts";
import { createAuthRepository } from "../auth/repository.ts";
import { AuthService } from "../auth/service.ts";
import { TokenService } from "../auth/tokens.ts";
import type { User } from "../auth/types.ts";

declare module "fastify" {
  interface FastifyInstance {
    auth: AuthService;
  }
  interface FastifyRequest {
    /**
     * The signed-in user of this request, from its `Authorization: Bearer` access token; rejects
     * with UNAUTHENTICATED (401) without a valid one. Checked once per request, when first asked.
     */
    user(): Promise<User>;
  }
}

/** Accounts and tokens: the auth service on `app.auth`, and `request.user()`. */
export default fp(
  async (app) => {
    const auth = new AuthService(createAuthRepository(app.db), new TokenService(app.config.jwt), {
      hasher: new PasswordHasher(app.config.passwordHashing, ARGON2[app.config.passwordHashCost]),
      throttle: new LoginThrottle(loginAttemptStore(app.redis)),
    });
    app.decorate("auth", auth);

    const users = new WeakMap<FastifyRequest, Promise<User>>();
    app.decorateRequest("user", function (this: FastifyRequest) {
      let user = users.get(this);
      if (!user) {
        user = auth.authenticateHeader(this.headers.authorization);
        users.set(this, user);
      }
      return user;
    });
  },
  { name: "auth", dependencies: ["database", "redis"] },
);
