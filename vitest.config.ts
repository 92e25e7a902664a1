import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/*.test.ts"],
		// CLI tests spawn the built bin; build once before any of them runs.
		globalSetup: ["test/global-setup.ts"],
		testTimeout: 60_000,
	},
});
