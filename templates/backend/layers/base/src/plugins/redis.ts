import fp from "fastify-plugin";
import type { Redis } from "ioredis";
import { createRedisClient } from "../redis/client.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The process's one Redis connection when REDIS_URL is set; null keeps limits in memory. */
    redis: Redis | null;
  }
}

/**
 * The Redis connection (REDIS_URL), shared by the rate limit and the login throttle. A Redis that
 * is down at start-up does not stop the app: limits fall back to this process's memory until it
 * answers (see src/redis/), and /ready reports it.
 */
export default fp(
  async (app) => {
    const url = app.config.redisUrl;
    if (url === null) {
      app.decorate("redis", null);
      return;
    }
    const redis = createRedisClient(url);
    let down = false;
    // Logged once per outage, not once per reconnection attempt.
    redis.on("error", (error) => {
      if (down) return;
      down = true;
      app.log.warn({ err: error }, "Redis is unreachable; limits are per process until it is back");
    });
    redis.on("ready", () => {
      if (down) app.log.info("Redis is back; limits are shared again");
      down = false;
    });
    // The first attempt is awaited, so that a healthy Redis counts from the first request; a
    // failed one (reported by the error handler above, within REDIS_CONNECT_TIMEOUT_MS) does not stop
    // the start: the client keeps reconnecting in the background.
    await redis.connect().catch(() => {});
    app.decorate("redis", redis);
    app.addHook("onClose", async () => {
      try {
        await redis.quit();
      } catch {
        redis.disconnect(); // not connected: stop reconnecting
      }
    });
  },
  { name: "redis" },
);
