import type { FastifyInstance, FastifySchema } from "fastify";

/** What a REST project documents of the two browser routes (a GraphQL project has no document). */
export interface BrowserRouteSchemas {
  login?: FastifySchema;
  callback?: FastifySchema;
}

/**
 * GET /login and GET /callback (under /auth/oidc): the two routes a browser follows, in REST and
 * GraphQL projects alike. Both answer with a redirect; nothing here renders a page, so nothing the
 * provider sends ever reaches HTML.
 */
export function browserRoutes(app: FastifyInstance, schemas: BrowserRouteSchemas = {}) {
  app.get("/login", { schema: schemas.login }, async (_request, reply) => {
    const { location, setCookie } = await app.oidc().begin();
    return reply
      .header("set-cookie", setCookie)
      .header("cache-control", "no-store")
      .redirect(location, 302);
  });

  app.get("/callback", { schema: schemas.callback }, async (request, reply) => {
    const at = request.url.indexOf("?");
    const query = at === -1 ? "" : request.url.slice(at);
    const { location, setCookie, error } = await app.oidc().complete(query, request.headers.cookie);
    if (error) {
      request.log.warn(
        { code: error.code, reason: error.message },
        "OpenID Connect sign-in failed",
      );
    }
    return reply
      .header("set-cookie", setCookie)
      .header("cache-control", "no-store")
      .redirect(location, 302);
  });
}
