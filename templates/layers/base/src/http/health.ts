import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";

export interface HealthOptions {
  /** Resolves when the database answers; rejects otherwise. */
  ping: () => Promise<void>;
}

const PING_TIMEOUT_MS = 1000;

const Status = Type.Object(
  { status: Type.String({ examples: ["ok"] }) },
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
        summary: "Liveness: the process is up",
        response: { 200: Status },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/ready",
    {
      config: { rateLimit: false },
      schema: {
        tags: ["health"],
        summary: "Readiness: the database answers",
        response: { 200: Status, 503: Status },
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
        return { status: "ok" };
      } catch (error) {
        request.log.warn({ err: error }, "readiness check failed");
        return reply.code(503).send({ status: "unavailable" });
      } finally {
        clearTimeout(timer);
      }
    },
  );
};
