import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import helmet, { type HelmetOptions } from "helmet";
import type { Config } from "../config.ts";

/**
 * The headers helmet would set, computed once: helmet's middleware is run a single time against
 * a recording response, and every response then gets the same headers with one call (running
 * helmet per request re-parses the CSP and builds its middleware each time).
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
    },
  );
  return headers;
}

/** Security headers, CORS and the global rate limit. */
export async function setupSecurity(app: FastifyInstance, config: Config) {
  const headers = securityHeaders({
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
  // On every response, errors and 404s included (onRequest runs for those too).
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
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
