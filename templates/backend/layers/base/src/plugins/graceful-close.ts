import fp from "fastify-plugin";

/**
 * Graceful close: once `app.close()` starts, responses carry `Connection: close`, so keep-alive
 * clients let go and in-flight requests finish without holding the process open. (Fastify already
 * answers new requests with 503 while closing and closes idle connections.)
 */
export default fp(
  async (app) => {
    let closing = false;
    app.addHook("preClose", async () => {
      closing = true;
    });
    app.addHook("onSend", (_request, reply, payload, done) => {
      if (closing) reply.header("connection", "close");
      done(null, payload);
    });
  },
  { name: "graceful-close" },
);
