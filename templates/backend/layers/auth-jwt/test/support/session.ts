import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";

export const TEST_PASSWORD = "correct horse battery staple";

/** Registers a new user (through the auth service); returns its tokens and Authorization header. */
export async function registerUser(app: FastifyInstance, email = `${randomUUID()}@example.com`) {
  const result = await app.auth.register(email, TEST_PASSWORD);
  return { ...result, email, headers: { authorization: `Bearer ${result.accessToken}` } };
}

/** Request headers of a new, signed-in user. */
export async function newSession(app: FastifyInstance): Promise<Record<string, string>> {
  return (await registerUser(app)).headers;
}
