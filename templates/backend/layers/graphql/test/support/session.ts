import type { FastifyInstance } from "fastify";

/** Request headers of a caller. This app has no authentication: nothing to add. */
export async function newSession(_app: FastifyInstance): Promise<Record<string, string>> {
  return {};
}
