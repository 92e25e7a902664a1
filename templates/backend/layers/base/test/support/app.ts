import { buildApp } from "../../src/app.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { openTestDatabase } from "./database.ts";

/** A fixed JWT_SECRET for tests only (32+ bytes, not a placeholder): tests can sign their own tokens. */
export const TEST_SECRET = "test-only-secret-5Xq9Lm2Rt7Vw3Zb8Nc4Kd6Hf1Jg0Ps";

/** The configuration of a test run: the environment given, over quiet test defaults. */
export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_SECRET, ...env });
}

/**
 * The app on a fresh, migrated test database (one per call: call it once per test file, in
 * beforeAll, and close it in afterAll).
 */
export async function createTestApp(env: Record<string, string> = {}) {
  const config = await testConfig(env);
  const database = await openTestDatabase();
  const app = await buildApp({ config, database, logger: false });
  await app.ready();
  return {
    app,
    db: database,
    config,
    close: async () => {
      await app.close();
      await database.close();
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
