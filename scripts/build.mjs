#!/usr/bin/env node
// `npm run build`: tsc writes the API's types (dist/*.d.ts), then Rolldown bundles the code: dist/cli.js (what bin/
// loads) and dist/index.js (the API), each one file with our modules, yargs, EJS, validate-npm-package-name and the
// pack validator (scripts/pack-validator.mjs). Node then reads and compiles one module instead of ~80 (~10 ms of a
// generation's ~100). yargs' locale files are not beside the bundle, so its messages are in English, like ours.
// execa and prompts stay packages of their own, loaded from node_modules only for a post step or a question.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";
import { packValidator } from "./pack-validator.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));

for (const entry of ["cli", "index"]) {
	const build = await rolldown({
		input: path.join(root, "src", `${entry}.ts`),
		platform: "node",
		external: ["execa", "prompts"],
		plugins: [packValidator(), lazyStringWidth()],
		logLevel: "warn",
	});
	const { output } = await build.generate({ format: "esm", codeSplitting: false });
	await build.close();
	const [chunk] = output;
	if (output.length !== 1 || chunk?.type !== "chunk") throw new Error(`build: ${entry}.js is not one file`);
	writeFileSync(path.join(root, "dist", `${entry}.js`), licenseHeader(chunk.moduleIds) + chunk.code);
}

/**
 * string-width builds an Intl.Segmenter and Unicode-property regular expressions as it loads: measured under
 * callgrind, half the instructions of a whole generation (615 M → 325 M), for a module that only lays out --help.
 * Every import of it resolves to scripts/lazy-string-width.cjs, whose require() of the real module the bundler
 * turns into an initialiser that runs on the first call.
 */
function lazyStringWidth() {
	const shim = path.join(root, "scripts", "lazy-string-width.cjs");
	return {
		name: "lazy-string-width",
		resolveId: (source, importer) => (source === "string-width" && importer !== shim ? shim : null),
	};
}

/** The bundled packages with their licenses (each also ships, with its LICENSE file, as an installed dependency). */
function licenseHeader(moduleIds) {
	const packages = new Set();
	for (const id of moduleIds) {
		const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id);
		if (!match) continue;
		const pkg = JSON.parse(readFileSync(path.join(match[1], "package.json"), "utf8"));
		packages.add(`${pkg.name}@${pkg.version} (${pkg.license ?? "see its package"})`);
	}
	return `// create-backend-starter, bundled by scripts/build.mjs. Includes: ${[...packages].sort().join(", ")}.\n`;
}
