#!/usr/bin/env node
// Checked before loading anything: on an old Node the dependencies fail with cryptic errors.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
	process.stderr.write(`create-backend-starter needs Node >= 22.12 (this is ${process.version})\n`);
	process.exit(1);
}
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
	// Answered without loading the CLI: `--version` should cost no more than starting Node.
	const { readFileSync } = process.getBuiltinModule("node:fs");
	process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
	// Node keeps the compiled code of the CLI in the OS temp folder, so later runs skip most of the parsing and
	// compiling. It fails soft (an unwritable folder just means no cache), and NODE_DISABLE_COMPILE_CACHE=1 turns it off.
	process.getBuiltinModule("node:module").enableCompileCache?.();
	import("../dist/cli.js").then((cli) => cli.run(argv));
}
