import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { gql } from "./graphql.ts";

export const TEST_PASSWORD = "correct horse battery staple";

interface AuthPayload {
  user: { id: string; email: string };
  accessToken: string;
  refreshToken: string;
}

/** Registers a new user through the `register` mutation; returns its tokens and headers. */
export async function registerUser(app: FastifyInstance, email = `${randomUUID()}@example.com`) {
  const result = await gql<{ register: AuthPayload }>(
    app,
    `mutation ($email: String!, $password: String!) {
      register(email: $email, password: $password) { user { id email } accessToken refreshToken }
    }`,
    { email, password: TEST_PASSWORD },
  );
  if (!result.data?.register) throw new Error(`register failed: ${JSON.stringify(result.errors)}`);
  const payload = result.data.register;
  return { ...payload, email, headers: { authorization: `Bearer ${payload.accessToken}` } };
}

/** Request headers of a new, signed-in user. */
export async function newSession(app: FastifyInstance): Promise<Record<string, string>> {
  return (await registerUser(app)).headers;
}
