import type { FastifyPluginAsync } from "fastify";
import { problems } from "../../openapi/responses.ts";

/**
 * With sign-in, every /notes route needs the caller's access token: it checks one before the
 * handler runs (401 otherwise), and the OpenAPI document says so.
 */
const signedInNotes: FastifyPluginAsync = async (app) => {
  app.addHook("onRoute", (route) => {
    route.schema = {
      ...route.schema,
      security: [{ bearerAuth: [] }],
      response: { ...(route.schema?.response as object), ...problems(401) },
    };
  });
  app.addHook("preHandler", async (request) => {
    await request.user();
  });
};

export default signedInNotes;
