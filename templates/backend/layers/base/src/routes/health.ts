import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";

const PING_TIMEOUT_MS = 1000;

const Ok = Type.Object({ status: Type.Literal("ok") }, { additionalProperties: false });
const Unavailable = Type.Object(
  { status: Type.Literal("unavailable") },
  { additionalProperties: false },
);

/** GET /health (the process is alive) and GET /ready (the database answers). */
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
        description: `200 when the database answers within ${PING_TIMEOUT_MS} ms, else 503. Not rate-limited.`,
        response: { 200: Ok, 503: Unavailable },
      },
    },
    async (request, reply) => {
      try {
        await withTimeout(app.db.ping(), PING_TIMEOUT_MS);
        return { status: "ok" as const };
      } catch (error) {
        request.log.warn({ err: error }, "readiness check failed");
        return reply.code(503).send({ status: "unavailable" as const });
      }
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
