import type { FastifyInstance } from "fastify";

/** Request headers of a caller: anyone may call this API, so there is nothing to add. */
export async function newSession(_app: FastifyInstance): Promise<Record<string, string>> {
  return {};
}
