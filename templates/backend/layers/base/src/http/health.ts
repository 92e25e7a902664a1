import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";

export interface HealthOptions {
  /** Resolves when the database answers; rejects otherwise. */
  ping: () => Promise<void>;
}

const PING_TIMEOUT_MS = 1000;

const Ok = Type.Object({ status: Type.Literal("ok") }, { additionalProperties: false });
const Unavailable = Type.Object(
  { status: Type.Literal("unavailable") },
  { additionalProperties: false },
);

/** GET /health (the process is alive) and GET /ready (the database answers). */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthOptions> = async (app, { ping }) => {
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
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("ping timed out")), PING_TIMEOUT_MS);
          }),
        ]);
        return { status: "ok" as const };
      } catch (error) {
        request.log.warn({ err: error }, "readiness check failed");
        return reply.code(503).send({ status: "unavailable" as const });
      } finally {
        clearTimeout(timer);
      }
    },
  );
};
