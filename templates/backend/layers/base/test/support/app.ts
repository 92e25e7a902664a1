import { buildApp } from "../../src/app.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { openTestDatabase } from "./database.ts";

/** A fixed JWT_SECRET for tests only (32+ bytes, not a placeholder): tests can sign their own tokens. */
export const TEST_SECRET = "test-only-secret-5Xq9Lm2Rt7Vw3Zb8Nc4Kd6Hf1Jg0Ps";

/**
 * The configuration of a test run: the environment given, over quiet test defaults. Under
 * NODE_ENV=test, password hashes are the cheap test-only kind (with accounts: PASSWORD_HASH_COST),
 * so that hundreds of registrations and logins take no time; test/security-jwt.test.ts checks the
 * production cost, and apps of other NODE_ENVs get it.
 */
export function testConfig(env: Record<string, string> = {}) {
  const cheapHashes = (env.NODE_ENV ?? "test") === "test" ? { PASSWORD_HASH_COST: "test" } : {};
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    JWT_SECRET: TEST_SECRET,
    ...cheapHashes,
    ...env,
  });
}

/**
 * The app on a fresh, migrated test database (one per call: call it once per test file, in
 * beforeAll, and close it in afterAll). Apps that differ only in their configuration can share
 * one: pass another app's `db` as `shared`, and close() leaves it open; so does a test that
 * closes its own database from openOwnTestDatabase() under the app. (Opening a database is most
 * of what building an app costs.)
 */
export async function createTestApp(
  env: Record<string, string> = {},
  shared?: Awaited<ReturnType<typeof openTestDatabase>>,
) {
  const config = await testConfig(env);
  const database = shared ?? (await openTestDatabase());
  const app = await buildApp({ config, database, logger: false });
  await app.ready();
  return {
    app,
    db: database,
    config,
    close: async () => {
      await app.close();
      if (!shared) await database.close();
    },
  };
}

/** The lines a bad configuration reports (none when `env` is valid). */
export async function configProblems(env: Record<string, string>): Promise<string[]> {
  try {
    await loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
