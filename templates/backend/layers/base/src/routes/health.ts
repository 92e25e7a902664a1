import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";

const PING_TIMEOUT_MS = 1000;

const Ok = Type.Object({ status: Type.Literal("ok") }, { additionalProperties: false });
const Unavailable = Type.Object(
  { status: Type.Literal("unavailable") },
  { additionalProperties: false },
);
/** Redis (REDIS_URL) is down: the app still serves, with limits per process until it is back. */
const Degraded = Type.Object(
  { status: Type.Literal("degraded"), redis: Type.Literal("unavailable") },
  { additionalProperties: false },
);

/** GET /health (the process is alive) and GET /ready (the database answers; Redis is reported). */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/health",
    {
      config: { rateLimit: false },
      schema: {
        tags: ["health"],
        operationId: "health",
        summary: "Liveness: the process is up",
        description:
          "Answers 200 while the process runs; it checks nothing else. Not rate-limited.",
        response: { 200: Ok },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/ready",
    {
      config: { rateLimit: false },
      schema: {
        tags: ["health"],
        operationId: "ready",
        summary: "Readiness: the database answers",
        description:
          `200 when the database answers within ${PING_TIMEOUT_MS} ms, else 503. Not rate-limited. ` +
          'With REDIS_URL set and Redis down, still 200 but `{"status":"degraded","redis":"unavailable"}`: ' +
          "every replica shares that Redis, so a 503 would take them all out of the load balancer at " +
          "once, while each can serve on its own (rate limits and login throttling per process). " +
          "Alert on the body, not on the status.",
        response: { 200: Type.Union([Ok, Degraded]), 503: Unavailable },
      },
    },
    async (request, reply) => {
      try {
        await withTimeout(app.db.ping(), PING_TIMEOUT_MS);
      } catch (error) {
        request.log.warn({ err: error }, "readiness check failed");
        return reply.code(503).send({ status: "unavailable" as const });
      }
      if (app.redis) {
        try {
          await withTimeout(
            app.redis.ping().then(() => {}),
            PING_TIMEOUT_MS,
          );
        } catch (error) {
          request.log.warn({ err: error }, "readiness: Redis is down; limits are per process");
          return { status: "degraded" as const, redis: "unavailable" as const };
        }
      }
      return { status: "ok" as const };
    },
  );
};

export default health;

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
