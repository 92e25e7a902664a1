import rateLimit from "@fastify/rate-limit";
import fp from "fastify-plugin";

/**
 * RATE_LIMIT_MAX requests per minute and client IP on every route; a route opts out with
 * `config: { rateLimit: false }` (as /health and /ready do).
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: true,
      max: app.config.rateLimitMax,
      timeWindow: 60_000,
    });
  },
  { name: "rate-limit" },
);
