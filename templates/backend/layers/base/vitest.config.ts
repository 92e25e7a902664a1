import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Node keeps what it compiled of the dependencies here, for the next worker and the next run.
process.env.NODE_COMPILE_CACHE ??= fileURLToPath(
  new URL("node_modules/.cache/node-compile-cache", import.meta.url),
);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Decides which database the tests use (see test/global-setup.ts) and fails clearly without one.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // As `npm run dev`: embedded PGlite starts in a fraction of the time when V8 does not
    // recompile its WebAssembly in the background (most test files start one).
    execArgv: ["--no-wasm-tier-up", "--no-wasm-dynamic-tiering"],
    // A file per core. Vitest keeps one core for itself by default, but its main process mostly
    // waits for the files here: on a 2-core machine that default ran them one at a time.
    maxWorkers: "100%",
    // A worker runs file after file in one process, so it loads the app's modules and warms up the
    // embedded database's WebAssembly once (about 0.8 s of CPU a file otherwise). Every test file
    // builds its own app on its own database and closes it; the only state kept in modules is the
    // embedded databases that files give back, emptied, for the next (test/support/database.ts).
    isolate: false,
  },
});
