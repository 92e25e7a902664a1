import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * Same origin as the docs page, whatever the environment; `x-internal: false` says its audience is
 * public (OWASP API9 inventory rules).
 */
const PUBLIC_SERVER = {
  url: "/",
  description: "The server of this document (local, staging or production alike)",
  "x-internal": false,
};

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
        description:
          "Errors are RFC 9457 problem details (application/problem+json). Every route but /health and /ready is rate-limited per client (X-RateLimit-* headers; 429 with Retry-After).",
        // npm's word for "no licence granted" (the generated package.json is private): put yours here.
        license: { name: "UNLICENSED" },
      },
      // Operations are public unless they list their own `security`
      // (the protected ones do), so linters see every operation's security stated (redocly lint).
      servers: [PUBLIC_SERVER],
      security: [],
      tags: [
        { name: "health", description: "Liveness and readiness (not rate-limited)" },
        ...(options.bearerAuth ? [{ name: "auth", description: "Accounts and tokens" }] : []),
        { name: "notes", description: "Notes (CRUD, cursor pagination)" },
      ],
      ...(options.bearerAuth
        ? {
            components: {
              securitySchemes: {
                bearerAuth: {
                  type: "http",
                  scheme: "bearer",
                  bearerFormat: "JWT",
                  description:
                    "Access token from /auth/login, /auth/register or /auth/refresh: a JWS signed with HS256 only (no alg=none, no other algorithm), with typ, iss, aud and exp checked, following RFC8725 (JWT Best Current Practices).",
                },
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
