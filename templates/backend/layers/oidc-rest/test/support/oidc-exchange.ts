import type { FastifyInstance } from "fastify";
import type { AuthResult } from "../../src/auth/types.ts";

/** The front end's last step, over this project's API: POST /auth/oidc/exchange {code}. */
export async function exchange(
  app: FastifyInstance,
  code: string,
): Promise<{ status: number; result?: AuthResult }> {
  const response = await app.inject({
    method: "POST",
    url: "/auth/oidc/exchange",
    payload: { code },
  });
  if (response.statusCode !== 200) {
    if (!response.headers["content-type"]?.toString().startsWith("application/problem+json")) {
      throw new Error(`not a problem document: ${response.body}`);
    }
    return { status: response.statusCode };
  }
  return { status: 200, result: response.json() };
}
