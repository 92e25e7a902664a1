// Every package manager from generation to a green first CI: the tool generates a project with `--pm <manager>`
// (rest-sql-none: the matrix runs every combination with npm; here the manager is what varies), installs it with that manager and commits; the first commit holds the
// manager's lockfile and the tree is clean. Then the project's scripts run through that manager as its README and
// CI workflow say (test, lint, typecheck, build), `dev` and `start` serve GET /health, and the frozen install of
// its CI accepts the committed lockfile. npm, pnpm, Yarn 1, Yarn 4 and Bun, as .ci/run installs them (see
// package-managers.ts); PM_ONLY=pnpm,yarn4 picks some.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, freePort, freshEnv, runLogged, tail, waitForHealth } from "./harness.js";
import { type AvailableManager, argv, availableManagers, managerEnv, startGroup } from "./package-managers.js";

const { found, missing } = availableManagers();
const only = process.env.PM_ONLY?.split(",");
const managers = found.filter((m) => !only || only.includes(m.label));
const workDir = mkdtempSync(join(tmpdir(), "cbs-pm-"));
const STEP_MS = 10 * 60_000;

afterAll(() => {
	if (!process.env.E2E_KEEP) rmSync(workDir, { recursive: true, force: true });
	else console.log(`package-managers: kept ${workDir}`);
});

describe("package managers", () => {
	it("are all here (PM_REQUIRE_ALL=1, as in CI) or named as missing", () => {
		if (missing.length > 0) console.warn(`package-managers: not tested, not installed: ${missing.join(", ")}`);
		if (process.env.PM_REQUIRE_ALL) expect(missing).toEqual([]);
		expect(managers.length).toBeGreaterThan(0);
	});

	for (const manager of managers) {
		// Two at a time (the config's maxConcurrency): installs wait on the network more than on the CPU.
		it.concurrent(`${manager.label} ${manager.version}: generate, install, commit, then its scripts`, async () => {
			await generateAndCheck(manager);
		});
	}
});

async function generateAndCheck(manager: AvailableManager): Promise<void> {
	const pm = manager.data;
	const name = `app-${manager.label}`;
	const dir = join(workDir, name);
	const logs = join(workDir, "logs", manager.label);
	const env = managerEnv(manager, freshEnv({ CI: "true" }));
	const run = async (step: string, command: string, cwd = dir) => {
		const [file, args] = argv(command);
		const result = await runLogged(file, args, { cwd, env, log: join(logs, `${step}.log`), timeoutMs: STEP_MS });
		if (result.code !== 0)
			throw new Error(`${manager.label}: \`${command}\` exited ${result.code}:\n${await tail(result.log)}`);
		return result;
	};

	// 1. Generate with this manager: the tool installs, then commits.
	await run(
		"generate",
		`${process.execPath} ${cliPath} ${name} --api rest --db sql --auth none --yes --pm ${pm.name}`,
		workDir,
	);
	const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" });
	expect(git("ls-tree", "-r", "--name-only", "HEAD").split("\n")).toContain(pm.lockfile);
	expect(git("status", "--porcelain")).toBe("");
	expect(git("rev-list", "--count", "HEAD").trim()).toBe("1");

	// 2. What the project says about itself follows the manager.
	const file = (path: string) => readFileSync(join(dir, path), "utf8");
	const pkg = JSON.parse(file("package.json"));
	expect(
		pkg.createBackendStarter.command.startsWith(pm.dlx("@backend-starter/create@")),
		pkg.createBackendStarter.command,
	).toBe(true);
	expect(file(".github/workflows/ci.yml")).toContain(`- run: ${pm.frozenInstall}\n`);
	expect(file(".github/workflows/ci.yml")).toContain(`- run: ${pm.run("test")}\n`);
	expect(file("Dockerfile")).toContain(`RUN ${pm.frozenInstall}\n`);
	expect(file("README.md")).toContain(`| \`${pm.run("dev")}\` |`);
	if (pm.field) expect(pkg.packageManager).toBe(pm.field);
	if (pm.berry) expect(file(".yarnrc.yml")).toContain("nodeLinker: node-modules");

	// 3. CI's steps, in its order, from the committed tree: frozen install, lint, typecheck, test, build.
	await run("frozen-install", pm.frozenInstall);
	expect(git("status", "--porcelain"), "the frozen install changed tracked files").toBe("");
	for (const script of ["lint", "typecheck", "test", "build"]) await run(script, pm.run(script));

	// 4. dev (sources, watch mode) and start (the build) answer GET /health.
	for (const script of ["dev", "start"]) {
		const port = await freePort();
		const log = join(logs, `${script}.log`);
		const server = startGroup(pm.run(script), {
			cwd: dir,
			env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
			url: `http://127.0.0.1:${port}`,
			log: (chunk) => appendFileSync(log, chunk),
		});
		try {
			await waitForHealth(server, 90_000);
		} catch (error) {
			throw new Error(`${manager.label}: \`${pm.run(script)}\`: ${(error as Error).message}\n${await tail(log)}`);
		} finally {
			await server.stop();
		}
	}
	expect(git("status", "--porcelain"), "running the scripts left untracked or changed files").toBe("");
}
