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
    // HSTS only makes sense behind TLS, i.e. in production (TLS ends at the proxy).
    const strictTransportSecurity = app.config.isProduction
      ? { maxAge: 31_536_000, includeSubDomains: true }
      : false;
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
    // helmet's other headers only change how browsers treat HTML documents.
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
