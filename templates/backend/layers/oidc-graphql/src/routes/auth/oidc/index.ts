import type { FastifyPluginAsync } from "fastify";
import { browserRoutes } from "../../../auth/oidc/routes.ts";

/**
 * /auth/oidc/login and /auth/oidc/callback: sign-in through the OpenID Connect provider takes the
 * browser there and back; the front end then trades the one-time code with the `oidcExchange`
 * mutation (src/routes/graphql/oidc.ts).
 */
const oidcRoutes: FastifyPluginAsync = async (app) => {
  browserRoutes(app);
};

export default oidcRoutes;
