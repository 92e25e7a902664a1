/** `npm run db:migrate`: applies pending migrations to the database the configuration names. */
import { existsSync } from "node:fs";
import { ConfigError, loadConfig } from "../config.ts";
import { openDatabase } from "./client.ts";
import { migrate } from "./migrate.ts";

if (existsSync(".env")) process.loadEnvFile(".env");

try {
  const config = await loadConfig();
  const db = await openDatabase(config, undefined, { migrate: false });
  try {
    const applied = await migrate(db.sql);
    console.log(
      applied.length > 0 ? `Applied ${applied.join(", ")}` : "The database is up to date.",
    );
  } finally {
    await db.close();
  }
} catch (error) {
  if (error instanceof ConfigError) {
    for (const line of error.problems) console.error(`config: ${line}`);
  } else {
    console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}
