import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT, tinyPack, tmp } from "./helpers.js";

// Runs the published shape of the tool: a missing `files` entry or dependency fails here, not for users.
// --ignore-scripts: dist/ is already built (global setup); rebuilding it here would race the other test files.
it("runs from the npm pack tarball in an empty folder outside the repository", () => {
	const out = tmp();
	const packed = JSON.parse(
		execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out], {
			cwd: ROOT,
			encoding: "utf8",
			stdio: ["ignore", "pipe", "ignore"],
		}),
	);
	const tarball = path.join(out, packed[0].filename);
	const files = packed[0].files.map((f: { path: string }) => f.path);
	expect(files).toEqual(
		expect.arrayContaining([
			"bin/create-backend-starter.js",
			"dist/cli.js",
			"dist/index.js",
			"dist/index.d.ts",
			"schema/pack.schema.json",
			"templates/pack-init/pack.json",
			"LICENSE",
		]),
	);
	// What we publish is the tool and its user docs: no notes of our own (Markdown outside README and the packs).
	expect(files.filter((f: string) => f.endsWith(".md") && f !== "README.md" && !f.startsWith("templates/"))).toEqual(
		[],
	);
	expect(files.filter((f: string) => /^templates\/[^/]+\.md$/.test(f))).toEqual([]);
	expect(packed[0].name).toBe("@backend-starter/create");
	const cwd = tmp();
	tinyPack(path.join(cwd, "pack"));
	const builtIn = existsSync(path.join(ROOT, "templates", "backend", "pack.json"));
	execFileSync(
		"npm",
		[
			"exec",
			"--yes",
			"--package",
			tarball,
			"--",
			"create-backend-starter",
			"app",
			"--pack",
			"./pack",
			"--yes",
			"--no-install",
			"--no-git",
		],
		{
			cwd,
			stdio: "ignore",
			env: { ...process.env, CI: "1", npm_config_update_notifier: "false" },
		},
	);
	expect(JSON.parse(readFileSync(path.join(cwd, "app/package.json"), "utf8")).name).toBe("app");
	if (!builtIn) return console.log("built-in pack not present yet: the tarball ran with an inline pack only");
	const args = [
		"exec",
		"--yes",
		"--package",
		tarball,
		"--",
		"create-backend-starter",
		"built-in",
		"--yes",
		"--no-install",
		"--no-git",
	];
	execFileSync("npm", args, { cwd, stdio: "ignore", env: { ...process.env, CI: "1" } });
	expect(JSON.parse(readFileSync(path.join(cwd, "built-in/package.json"), "utf8")).createBackendStarter.pack.name).toBe(
		"create-backend-starter",
	);
	// --help is written by yargs (bundled into dist/cli.js): the published bundle must have it.
	const help = execFileSync("npm", [...args.slice(0, 6), "--help"], {
		cwd,
		encoding: "utf8",
		env: { ...process.env, CI: "1" },
	});
	expect(help).toContain("--api");
}, 180_000);
