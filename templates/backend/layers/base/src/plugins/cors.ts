import cors from "@fastify/cors";
import fp from "fastify-plugin";

/**
 * CORS for the origins in CORS_ORIGIN, and none without it: no cross-origin access at all. The
 * literal origin "null" is never allowed (the configuration refuses it).
 */
export default fp(
  async (app) => {
    if (app.config.corsOrigins.length === 0) return;
    await app.register(cors, {
      origin: app.config.corsOrigins,
      methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["Authorization", "Content-Type"],
      maxAge: 600,
    });
  },
  { name: "cors" },
);
