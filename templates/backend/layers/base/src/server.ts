import { existsSync } from "node:fs";
import closeWithGrace from "close-with-grace";
import { buildApp } from "./app.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { listenFailure } from "./listen-failure.ts";

// Local development reads .env; real environment variables win over it.
if (existsSync(".env")) process.loadEnvFile(".env");

let config: Config;
try {
  config = await loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    for (const line of error.problems) console.error(`config: ${line}`);
    process.exit(1);
  }
  throw error;
}

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp({ config });
} catch (error) {
  // e.g. the database is unreachable: one line naming it and the variable to fix, no stack
  console.error(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

// SIGINT/SIGTERM: stop accepting connections, let in-flight requests finish, close the database.
// A second signal, or 10 s without finishing, exits at once.
closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, "shutting down after an error");
  else app.log.info({ signal }, "shutting down");
  await app.close();
});

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  // One line with the fix (a port in use is the usual case), not a logged object with a stack.
  console.error(listenFailure(error, config));
  await app.close();
  process.exit(1);
}
