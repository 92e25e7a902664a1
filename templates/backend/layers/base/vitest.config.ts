import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Decides which database the tests use (see test/global-setup.ts) and fails clearly without one.
    globalSetup: ["test/global-setup.ts"],
    // Test files run one after another in one worker that keeps the modules it imported (Fastify,
    // PGlite, argon2…) instead of loading them again in a fresh process per file. Every file builds
    // its own app and database and closes them, so no state passes from one file to the next.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
