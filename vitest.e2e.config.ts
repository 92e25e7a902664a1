// The end-to-end matrix (npm run test:e2e): every combination of the built-in pack is generated outside the
// repository, installed, type-checked, linted, tested, built, started and driven over HTTP. Slow: minutes, not
// seconds. E2E_CONCURRENCY (default 2) combinations run at a time; E2E_ONLY=rest-sql-jwt,graphql picks some;
// E2E_KEEP=1 keeps the generated projects; E2E_PACK=<folder> runs another pack's matrix.
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/e2e/**/*.e2e.ts"],
		globalSetup: ["test/e2e/global-setup.ts"],
		testTimeout: 60 * 60_000, // one combination; its steps have their own 20-minute guard
		hookTimeout: 10 * 60_000,
		maxConcurrency: Number(process.env.E2E_CONCURRENCY ?? 2),
		fileParallelism: false,
		reporters: ["default"],
	},
});
