import rateLimit from "@fastify/rate-limit";
import fp from "fastify-plugin";
import { sharedRateLimitStore } from "../redis/rate-limit-store.ts";

/**
 * RATE_LIMIT_MAX requests per minute and client IP on every route; a route opts out with
 * `config: { rateLimit: false }` (as /health and /ready do). With REDIS_URL the counts are shared
 * by every replica; without it (or while Redis is down) each process counts on its own.
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: true,
      max: app.config.rateLimitMax,
      timeWindow: 60_000,
      // without Redis, the plugin's own in-memory store
      ...(app.redis ? { store: sharedRateLimitStore(app.redis) } : {}),
    });
  },
  { name: "rate-limit", dependencies: ["redis"] },
);
