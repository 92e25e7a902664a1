import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * OpenAPI 3.1 document at GET /openapi.json and the docs page at GET /docs. Every asset of the
 * docs page is served by this server (no CDN), so it works offline and under the app's CSP.
 * Register before the routes so that they are all documented.
 */
export async function setupDocs(
  app: FastifyInstance,
  options: { title?: string; bearerAuth?: boolean } = {},
) {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: options.title ?? "API",
        version: "0.1.0",
        description: "Errors are RFC 9457 problem details (application/problem+json).",
      },
      // Same origin as the docs page. Operations are public unless they list their own `security`
      // (the protected ones do), so linters see every operation's security stated (redocly lint).
      servers: [{ url: "/" }],
      security: [],
      ...(options.bearerAuth
        ? {
            components: {
              securitySchemes: {
                bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
              },
            },
          }
        : {}),
    },
  });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { url: "/openapi.json", deepLinking: true },
  });
}
