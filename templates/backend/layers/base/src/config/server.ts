import { Type } from "typebox";
import { configSection } from "../config.ts";

export type NodeEnv = "development" | "production" | "test";

declare module "../config.ts" {
  interface Config {
    nodeEnv: NodeEnv;
    isProduction: boolean;
    port: number;
    host: string;
    logLevel: string;
    /** Browser origins allowed by CORS; empty means no cross-origin access. */
    corsOrigins: string[];
    /** Requests per minute and client IP (all routes but /health and /ready). */
    rateLimitMax: number;
    /**
     * Reverse proxies in front of the app whose X-Forwarded-For is believed (0: none). The client
     * address decides rate limits and login throttling: behind a proxy, without this, every client
     * would be the proxy.
     */
    trustedProxies: number;
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** The HTTP server: where it listens, how it logs, whom it lets in. */
export default configSection(
  Type.Object({
    NODE_ENV: Type.Union(
      [Type.Literal("development"), Type.Literal("production"), Type.Literal("test")],
      { default: "development", description: "one of development, production, test" },
    ),
    PORT: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 3000,
      description: "an integer between 0 and 65535",
    }),
    HOST: Type.String({ default: "127.0.0.1", description: "a host name or IP address" }),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: "info", description: `one of ${LOG_LEVELS.join(", ")}` },
    ),
    CORS_ORIGIN: Type.String({
      default: "",
      description: "a comma-separated list of origins such as https://app.example.com",
    }),
    RATE_LIMIT_MAX: Type.Integer({
      minimum: 1,
      default: 300,
      description: "a positive integer (requests per minute and client)",
    }),
    TRUST_PROXY: Type.Integer({
      minimum: 0,
      maximum: 10,
      default: 0,
      description:
        "the number of reverse proxies in front of the app (0 when clients connect directly)",
    }),
  }),
  (env, problems) => {
    const corsOrigins = env.CORS_ORIGIN.split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin !== "");
    if (!corsOrigins.every(isOrigin)) {
      problems.push(
        "CORS_ORIGIN must be a comma-separated list of origins such as https://app.example.com",
      );
    }
    return {
      nodeEnv: env.NODE_ENV,
      isProduction: env.NODE_ENV === "production",
      port: env.PORT,
      host: env.HOST,
      logLevel: env.LOG_LEVEL,
      corsOrigins,
      rateLimitMax: env.RATE_LIMIT_MAX,
      trustedProxies: env.TRUST_PROXY,
    };
  },
);

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === text;
  } catch {
    return false;
  }
}
