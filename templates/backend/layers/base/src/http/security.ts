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
  // HSTS only makes sense behind TLS, i.e. in production (TLS ends at the proxy).
  const strictTransportSecurity = config.isProduction
    ? { maxAge: 31_536_000, includeSubDomains: true }
    : false;
  // HTML pages (the docs page, GraphiQL): helmet's full set, with a CSP that lets them load their
  // own scripts and styles from this server and nothing else.
  const pageHeaders = securityHeaders({
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
    strictTransportSecurity,
    referrerPolicy: { policy: "no-referrer" },
    crossOriginEmbedderPolicy: false,
  });
  // Everything else (JSON, problem documents, assets): the headers the OWASP REST Security Cheat
  // Sheet lists for APIs. helmet's other headers only change how browsers treat HTML documents,
  // and every header is work on every response.
  const apiHeaders = securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { "default-src": ["'none'"], "frame-ancestors": ["'none'"] },
    },
    strictTransportSecurity,
    referrerPolicy: { policy: "no-referrer" },
    xFrameOptions: { action: "deny" },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  // On every response, errors and 404s included. This root hook runs before any route's own
  // onSend hooks, so a route that needs another value sets it in an onSend hook of its own.
  app.addHook("onSend", (_request, reply, payload, done) => {
    const type = reply.getHeader("content-type");
    reply.headers(
      typeof type === "string" && type.startsWith("text/html") ? pageHeaders : apiHeaders,
    );
    done(null, payload);
  });

  // No CORS_ORIGIN: no CORS plugin, so no cross-origin access and no per-request CORS work.
  // The literal origin "null" is never allowed (config refuses it).
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins,
      methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["Authorization", "Content-Type"],
      maxAge: 600,
    });
  }

  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitMax,
    timeWindow: 60_000,
    // /health and /ready opt out with `config: { rateLimit: false }`.
  });

  // Only JSON bodies are accepted: a text/plain POST (the "simple request" of CSRF) gets 415,
  // and so does JSON in any charset but UTF-8. The charset is checked by the JSON parser, which
  // runs only for requests that have a body: GET /health and the like pay nothing for it.
  app.removeContentTypeParser(["text/plain", "application/json"]);
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (declaresUtf8(request.headers["content-type"])) {
      parseJson(request, body as string, done); // parseAs: "string"
      return;
    }
    done(unsupportedCharset(), undefined);
  });
}

/** No charset parameter (JSON and GraphQL bodies are UTF-8), or charset=utf-8. */
export function declaresUtf8(type: string | undefined): boolean {
  return !type || !/;\s*charset=/i.test(type) || /;\s*charset="?utf-8"?\s*(;|$)/i.test(type);
}

/** The 415 a body parser answers for a body in another charset than UTF-8. */
export function unsupportedCharset(): Error {
  const error = new Error("Unsupported charset");
  return Object.assign(error, { statusCode: 415, code: "FST_ERR_CTP_INVALID_MEDIA_TYPE" });
}
