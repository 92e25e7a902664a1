#!/usr/bin/env node
// Checked before loading anything: on an old Node the dependencies fail with cryptic errors.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
	process.stderr.write(`create-backend-starter needs Node >= 22.12 (this is ${process.version})\n`);
	process.exit(1);
}
import("../dist/cli.js").then((cli) => cli.run(process.argv.slice(2)));
