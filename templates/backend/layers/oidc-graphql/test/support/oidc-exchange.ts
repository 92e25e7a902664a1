import type { FastifyInstance } from "fastify";
import type { AuthResult } from "../../src/auth/types.ts";
import { gql } from "./graphql.ts";

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, BAD_USER_INPUT: 400 };

/** The front end's last step, over this project's API: the `oidcExchange` mutation. */
export async function exchange(
  app: FastifyInstance,
  code: string,
): Promise<{ status: number; result?: AuthResult }> {
  const response = await gql<{ oidcExchange: AuthResult }>(
    app,
    "mutation ($code: String!) { oidcExchange(code: $code) { user { id email } accessToken refreshToken } }",
    { code },
  );
  const [error] = response.codes;
  if (response.errors) return { status: STATUS[error ?? ""] ?? 500 };
  return { status: 200, result: response.data?.oidcExchange };
}
