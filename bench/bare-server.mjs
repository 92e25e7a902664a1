// The baseline of the server section: a bare Fastify 5 server answering GET /health with {"status":"ok"},
// no plugins, no logger. Started by run.mjs with PORT and HOST in the environment.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/health", async () => ({ status: "ok" }));

const close = () => app.close().then(() => process.exit(0));
process.on("SIGTERM", close);
process.on("SIGINT", close);

await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? "127.0.0.1" });
process.stdout.write("listening\n");
