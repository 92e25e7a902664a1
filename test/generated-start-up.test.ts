import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject } from "../src/create.js";

// The generated project's first messages that need no installed dependency: scripts/preflight.mjs
// runs before `dev` and `start`. (A port in use and an unreachable database are tested by the
// project's own test/start-up.test.ts, which needs its dependencies.)

const NODE_20 = "/usr/bin/node";
const hasNode20 = spawnSync(NODE_20, ["--version"], { encoding: "utf8" }).stdout?.startsWith("v20.") === true;

let dir: string;
let scripts: Record<string, string>;
beforeAll(async () => {
	// One project for the whole file (helpers' tmp() is emptied after each test).
	dir = path.join(mkdtempSync(path.join(os.tmpdir(), "cbs-start-up-")), "app");
	await createProject({ directory: dir, answers: { api: "rest", db: "sql", auth: "jwt" }, install: false, git: false });
	scripts = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).scripts;
});

afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

/** A package.json script as npm runs it: in a shell, in the project, with `node` first found in `nodeDir`. */
function runScript(name: string, nodeDir: string, env: Record<string, string> = {}) {
	const result = spawnSync("sh", ["-c", scripts[name] ?? "false"], {
		cwd: dir,
		encoding: "utf8",
		env: { PATH: `${nodeDir}:${process.env.PATH}`, npm_config_user_agent: "npm/11.0.0", ...env },
		timeout: 30_000,
	});
	return { code: result.status, stderr: result.stderr };
}

const current = path.dirname(process.execPath);

describe("the generated project's preflight", () => {
	it.runIf(hasNode20)("`dev` on Node 20 says which Node it needs, before Node rejects the TypeScript flag", () => {
		const run = runScript("dev", path.dirname(NODE_20));
		expect(run.code).toBe(1);
		expect(run.stderr).toMatch(
			/^Node\.js 20\.\d+\.\d+ cannot run this project: it needs Node\.js \^22\.12\.0 \|\| \^24\.0\.0 \|\| >=26\.0\.0 \(package\.json "engines"\); install a newer one \(24 LTS recommended\)\n$/,
		);
	});

	it.runIf(hasNode20)("`start` and `db:migrate` on Node 20 say it too", () => {
		for (const script of ["start", "db:migrate"]) {
			const run = runScript(script, path.dirname(NODE_20));
			expect(run.code, script).toBe(1);
			expect(run.stderr, script).toMatch(/^Node\.js 20\.\d+\.\d+ cannot run this project: [^\n]+\n$/);
		}
	});

	it("`start` before `build` says to run the build, in the words of the package manager used", () => {
		expect(existsSync(path.join(dir, "dist"))).toBe(false);
		const npm = runScript("start", current);
		expect(npm.code).toBe(1);
		expect(npm.stderr).toBe(
			"dist/server.js does not exist yet: run `npm run build` first (or `npm run dev` to run the sources)\n",
		);
		const pnpm = runScript("start", current, { npm_config_user_agent: "pnpm/10.0.0 npm/? node/v24.0.0" });
		expect(pnpm.stderr).toBe(
			"dist/server.js does not exist yet: run `pnpm run build` first (or `pnpm run dev` to run the sources)\n",
		);
	});

	it("`dev`, `db:migrate` and a built `start` before an install say to install, and write nothing", () => {
		expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
		for (const script of ["dev", "db:migrate"]) {
			const run = runScript(script, current);
			expect(run.code, script).toBe(1);
			expect(run.stderr, script).toMatch(
				/^dependencies are not installed \(@electric-sql\/pglite, @fastify\/autoload, @fastify\/cors and \d+ more\): run `npm install` first\n$/,
			);
		}
		const built = path.join(dir, "dist", "server.js");
		mkdirSync(path.dirname(built));
		try {
			writeFileSync(built, "");
			const start = runScript("start", current, { npm_config_user_agent: "pnpm/10.0.0 npm/? node/v24.0.0" });
			expect(start.code).toBe(1);
			expect(start.stderr).toMatch(/^dependencies are not installed \([^)]+\): run `pnpm install` first\n$/);
		} finally {
			rmSync(path.dirname(built), { recursive: true });
		}
		expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
	});

	it.each([
		[">=22.12", true],
		["^22.12.0 || >=24", true],
		[">=22.12 <23 || ^24.0.0", true],
		[">=99", false],
		["^22.12.0", false],
		["~24.0", null], // true on 24.0.x only
		["a range it does not read", true],
	])("reads engines %j on this Node (%s)", (range, expected) => {
		const file = path.join(dir, "package.json");
		const original = readFileSync(file, "utf8");
		try {
			writeFileSync(file, JSON.stringify({ ...JSON.parse(original), engines: { node: range } }));
			const result = spawnSync(process.execPath, ["scripts/preflight.mjs"], { cwd: dir, encoding: "utf8" });
			const want = expected ?? process.versions.node.startsWith("24.0.");
			expect(result.status === 0, result.stderr).toBe(want);
		} finally {
			writeFileSync(file, original);
		}
	});
});
