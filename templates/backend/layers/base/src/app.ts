import { join } from "node:path";
import autoload from "@fastify/autoload";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyServerOptions } from "fastify";
import type { Config } from "./config.ts";
import type { Database } from "./db/client.ts";
import { earlyErrorHandlers } from "./early-errors.ts";
import { loggerOptions } from "./logger.ts";

declare module "fastify" {
  interface FastifyInstance {
    config: Config;
  }
}

export interface BuildAppOptions {
  config: Config;
  /** An open database to use (tests pass one); by default the app opens and closes its own. */
  database?: Database;
  /** Overrides the logger (tests pass false). */
  logger?: FastifyServerOptions["logger"];
}

export const BODY_LIMIT = 1_048_576; // 1 MiB

/**
 * The app: every file in src/plugins/ (shared concerns: database, security, errors, …), then every
 * file in src/routes/ (a folder name is its routes' prefix). Add a feature by adding a file there;
 * this file does not change.
 */
export async function buildApp({ config, database, logger }: BuildAppOptions) {
  const app = Fastify({
    logger: logger ?? loggerOptions(config),
    bodyLimit: BODY_LIMIT,
    // Long path parameters reach the handler (an id of the wrong shape is a 404, not a 414).
    routerOptions: { maxParamLength: 8192 },
    // Slow clients cannot hold a connection forever (no reverse proxy is assumed).
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // X-Forwarded-For is believed only from as many proxies as TRUST_PROXY says: a client that
    // connects directly could otherwise pick its own address and escape its rate limit.
    // (Fastify's types take no hop count, so this is what it would compile one to.)
    trustProxy:
      config.trustedProxies === 0 ? false : (_address, hop) => hop < config.trustedProxies,
    // Opening a SQL database waits for other instances starting at the same time to finish their
    // migrations (under a lock; up to 60 s on MySQL), then applies its own: Fastify's default of
    // 10 s per plugin would end such a start with "Plugin did not start in time".
    pluginTimeout: 120_000,
    // Answers written before routing (malformed requests, headers too large, …) are problem
    // documents with the security headers too.
    ...earlyErrorHandlers(config),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate("config", config);

  await app.register(autoload, {
    dir: join(import.meta.dirname, "plugins"),
    options: { database },
  });
  await app.register(autoload, {
    dir: join(import.meta.dirname, "routes"),
    autoHooks: true,
    cascadeHooks: true,
  });

  return app;
}
