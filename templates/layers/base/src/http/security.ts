import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config.ts";

/** Security headers, CORS and the global rate limit. */
export async function setupSecurity(app: FastifyInstance, config: Config) {
  await app.register(helmet, {
    // The docs page (/docs) serves its own scripts and styles from this server; nothing else loads.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        "default-src": ["'self'"],
        "base-uri": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
      },
    },
    // HSTS only makes sense behind TLS, i.e. in production (TLS ends at the proxy).
    strictTransportSecurity: config.isProduction
      ? { maxAge: 31_536_000, includeSubDomains: true }
      : false,
    referrerPolicy: { policy: "no-referrer" },
    crossOriginEmbedderPolicy: false,
  });

  await app.register(cors, {
    // No CORS_ORIGIN: no cross-origin access. The literal origin "null" is never allowed.
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["Authorization", "Content-Type"],
    maxAge: 600,
  });

  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitMax,
    timeWindow: 60_000,
    // /health and /ready opt out with `config: { rateLimit: false }`.
  });

  // Only JSON bodies are accepted: a text/plain POST (the "simple request" of CSRF) gets 415,
  // and so does JSON in any charset but UTF-8.
  app.removeContentTypeParser(["text/plain"]);
  app.addHook("onRequest", async (request) => {
    const type = request.headers["content-type"];
    if (type && /;\s*charset=/i.test(type) && !/;\s*charset="?utf-8"?\s*(;|$)/i.test(type)) {
      throw Object.assign(new Error("Unsupported charset"), {
        statusCode: 415,
        code: "FST_ERR_CTP_INVALID_MEDIA_TYPE",
      });
    }
  });
}
