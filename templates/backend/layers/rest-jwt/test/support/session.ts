import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";

export const TEST_PASSWORD = "correct horse battery staple";

/** Registers a new user and returns its Authorization header (plus its tokens). */
export async function registerUser(app: FastifyInstance, email = `${randomUUID()}@example.com`) {
  const response = await app.inject({
    method: "POST",
    url: "/auth/register",
    payload: { email, password: TEST_PASSWORD },
  });
  if (response.statusCode !== 201) {
    throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  }
  const body = response.json() as {
    user: { id: string; email: string };
    accessToken: string;
    refreshToken: string;
  };
  return { ...body, email, headers: { authorization: `Bearer ${body.accessToken}` } };
}

/** Request headers of a new, signed-in user. */
export async function newSession(app: FastifyInstance): Promise<Record<string, string>> {
  return (await registerUser(app)).headers;
}
