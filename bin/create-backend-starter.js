#!/usr/bin/env node
// Checked before loading anything: on an old Node the dependencies fail with cryptic errors. The same range as
// package.json's engines, which is what the dependencies accept (validate-npm-package-name 8).
const [major, minor, patch] = process.versions.node.split(".").map(Number);
const supported =
	(major === 22 && (minor > 22 || (minor === 22 && patch >= 2))) || (major === 24 && minor >= 15) || major >= 26;
if (!supported) {
	process.stderr.write(`create-backend-starter needs Node 22.22.2+, 24.15+ or 26+ (this is ${process.version})\n`);
	process.exit(1);
}
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
	// Answered without loading the CLI: `--version` should cost no more than starting Node.
	const { readFileSync } = process.getBuiltinModule("node:fs");
	process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
	enableCompileCache();
	import("../dist/cli.js").then((cli) => cli.run(argv));
}

/**
 * Node keeps the compiled code of the CLI in the OS temp folder, so later runs skip most of the parsing and
 * compiling (NODE_DISABLE_COMPILE_CACHE=1 turns it off; NODE_COMPILE_CACHE=dir has already enabled it).
 * Node makes the folder with a recursive mkdir, which spins forever where mkdir answers ENOENT for a folder
 * whose parent exists (TMPDIR=/proc, seen with Node 24.21); so it is made here first, one level only, and any
 * failure other than "exists" just means no cache.
 */
function enableCompileCache() {
	const { enableCompileCache } = process.getBuiltinModule("node:module");
	if (!enableCompileCache || process.env.NODE_COMPILE_CACHE) return;
	const dir = process
		.getBuiltinModule("node:path")
		.join(process.getBuiltinModule("node:os").tmpdir(), "node-compile-cache");
	try {
		process.getBuiltinModule("node:fs").mkdirSync(dir);
	} catch (error) {
		if (error.code !== "EEXIST") return;
	}
	enableCompileCache(dir);
}
