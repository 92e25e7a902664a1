import fp from "fastify-plugin";
import { FlowCookie } from "../auth/oidc/flow-cookie.ts";
import { OidcProvider } from "../auth/oidc/provider.ts";
import { createOidcRepository } from "../auth/oidc/repository.ts";
import { OidcService } from "../auth/oidc/service.ts";
import { PasswordHasher } from "../auth/password.ts";
import { createAuthRepository } from "../auth/repository.ts";
import { TokenService } from "../auth/tokens.ts";
import { AppError } from "../errors.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Sign-in through the OpenID Connect provider; throws 503 when OIDC_* is not configured. */
    oidc(): OidcService;
  }
}

/**
 * Sign-in through an OpenID Connect provider on `app.oidc()`. Without OIDC_* variables its routes
 * answer 503 saying what to set.
 */
export default fp(
  async (app) => {
    const { oidc: config, jwt, passwordHashing } = app.config;
    let service: OidcService | undefined;
    if (config) {
      const tokens = new TokenService(jwt);
      service = new OidcService({
        config,
        provider: new OidcProvider(config),
        cookie: new FlowCookie(tokens.deriveKey("oidc-flow-cookie v1"), config.redirectUri),
        repository: createOidcRepository(app.db),
        tokens,
        accounts: createAuthRepository(app.db),
        hasher: new PasswordHasher(passwordHashing),
      });
    } else {
      // In the log, not on stderr: a start-up failure stays the one line on stderr.
      app.addHook("onReady", async () => {
        app.log.warn("OpenID Connect sign-in is off: set the OIDC_* variables (see .env.example)");
      });
    }
    app.decorate("oidc", () => {
      if (service) return service;
      throw new AppError(
        "SERVICE_UNAVAILABLE",
        "Sign-in through OpenID Connect is not configured: set the OIDC_* variables (see .env.example)",
      );
    });
  },
  { name: "oidc", dependencies: ["database", "auth"] },
);
