import type { FastifyServerOptions } from "fastify";
import type { Config } from "./config.ts";

/**
 * Fields that commonly hold secrets, wherever they appear in a logged object or body: the logger
 * writes "[redacted]" instead. Add yours when a route takes another secret.
 */
export const SECRET_FIELDS = ["password", "secret", "token", "accessToken", "refreshToken"];

/** The logger of a running server (exported so tests check the same redaction). */
export function loggerOptions(config: Config): FastifyServerOptions["logger"] {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        ...SECRET_FIELDS.flatMap((key) => [key, `body.${key}`]),
      ],
      censor: "[redacted]",
    },
    // Pretty logs in development only (pino-pretty is a devDependency).
    ...(config.nodeEnv === "development" && hasPinoPretty()
      ? {
          transport: {
            target: "pino-pretty",
            options: { translateTime: "HH:MM:ss", ignore: "pid,hostname" },
          },
        }
      : {}),
  };
}

function hasPinoPretty(): boolean {
  try {
    import.meta.resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}
