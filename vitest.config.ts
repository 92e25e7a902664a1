import { defineConfig } from "vitest/config";
import { packValidator } from "./scripts/pack-validator.mjs";

export default defineConfig({
	plugins: [packValidator()],
	test: {
		include: ["test/*.test.ts"],
		// CLI tests spawn the built bin; build once before any of them runs.
		globalSetup: ["test/global-setup.ts"],
		testTimeout: 60_000,
	},
});
