import { buildApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openTestDatabase } from "./database.ts";

/** A fixed secret for tests only (32+ bytes, not a placeholder). */
export const TEST_JWT_SECRET = "test-only-secret-5Xq9Lm2Rt7Vw3Zb8Nc4Kd6Hf1Jg0Ps";

export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, ...env });
}

/**
 * The app on a fresh, migrated test database (one per call: call it once per test file, in
 * beforeAll, and close it in afterAll).
 */
export async function createTestApp(env: Record<string, string> = {}) {
  const config = testConfig(env);
  const db = await openTestDatabase();
  const app = await buildApp({ config, db, logger: false });
  await app.ready();
  return {
    app,
    db,
    config,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}
