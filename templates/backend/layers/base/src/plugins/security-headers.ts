import type { IncomingMessage, ServerResponse } from "node:http";
import fp from "fastify-plugin";
import helmet, { type HelmetOptions } from "helmet";

/**
 * Security headers on every response, errors and 404s included: helmet's full set with a strict
 * Content-Security-Policy for HTML pages (the docs page, GraphiQL), and the headers the OWASP REST
 * Security Cheat Sheet lists for APIs on everything else. A route that needs another value sets
 * it in an onSend hook of its own (this root hook runs first).
 */
export default fp(
  async (app) => {
    const pageHeaders = pageSecurityHeaders(app.config.isProduction);
    const apiHeaders = apiSecurityHeaders(app.config.isProduction);
    app.addHook("onSend", (_request, reply, payload, done) => {
      const type = reply.getHeader("content-type");
      reply.headers(
        typeof type === "string" && type.startsWith("text/html") ? pageHeaders : apiHeaders,
      );
      done(null, payload);
    });
  },
  { name: "security-headers" },
);

/** HSTS only makes sense behind TLS, i.e. in production (TLS ends at the proxy). */
function strictTransportSecurity(isProduction: boolean) {
  return isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false;
}

/** The headers of HTML pages: helmet's full set, with a CSP for this server's own scripts only. */
export function pageSecurityHeaders(isProduction: boolean): Record<string, string> {
  return securityHeaders({
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
    strictTransportSecurity: strictTransportSecurity(isProduction),
    referrerPolicy: { policy: "no-referrer" },
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * The headers of every other answer (also those written before routing, src/early-errors.ts):
 * the OWASP REST Security Cheat Sheet's set. helmet's other headers only change how browsers
 * treat HTML documents.
 */
export function apiSecurityHeaders(isProduction: boolean): Record<string, string> {
  return securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { "default-src": ["'none'"], "frame-ancestors": ["'none'"] },
    },
    strictTransportSecurity: strictTransportSecurity(isProduction),
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
}

/**
 * The headers helmet sets, computed once: helmet runs a single time against a recording response,
 * and every response then gets the same headers (helmet per request would rebuild them each time).
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
