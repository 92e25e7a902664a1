// The README's commands, run verbatim: scripts/readme-commands.mjs extracts the ```sh blocks of README.md's
// "Create a project" section and of the generated project's README, and each line runs as written, in bash.
// `npm create @backend-starter …` and its pnpm, Yarn (1 and 4) and Bun forms must reach this checkout, not the
// public registry: local-registry.ts packs it (npm pack) and serves it on 127.0.0.1, and a throwaway HOME holds
// the one setting each client needs to send the @backend-starter scope there (.npmrc, .yarnrc.yml, .bunfig.toml);
// every other package still comes from the usual registry. The environment is what a person's shell would have,
// plus: npm_config_yes (npx asks "Ok to proceed?" only in a terminal, and fails without one) and PORT (the dev
// server's default port may be taken on a shared machine). A command that serves (`npm run dev`) runs until
// GET /health answers, then stops.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellBlocks } from "../../scripts/readme-commands.mjs";
import { freePort, freshEnv, repoRoot, runLogged, tail, waitForHealth } from "./harness.js";
import { type LocalRegistry, scopeConfigFiles, startLocalRegistry } from "./local-registry.js";
import { type AvailableManager, availableManagers, managerEnv, startGroup } from "./package-managers.js";

const STEP_MS = 10 * 60_000;
const workDir = mkdtempSync(join(tmpdir(), "cbs-readme-"));
const home = join(workDir, "home");
const { found } = availableManagers();
let registry: LocalRegistry;

beforeAll(async () => {
	registry = await startLocalRegistry(repoRoot);
	mkdirSync(home, { recursive: true });
	for (const [name, content] of Object.entries(scopeConfigFiles(registry))) {
		// bun reads its global settings from ~/.bunfig.toml
		writeFileSync(join(home, name === "bunfig.toml" ? ".bunfig.toml" : name), content);
	}
});

afterAll(async () => {
	await registry?.close();
	if (!process.env.E2E_KEEP) rmSync(workDir, { recursive: true, force: true });
	else console.log(`readme: kept ${workDir}`);
});

const blocks = shellBlocks(readFileSync(join(repoRoot, "README.md"), "utf8"), "## Create a project");

/** The managers a block runs with: by its first word; `yarn` runs with Yarn 1 and with Yarn 4. */
function managersFor(block: string[]): AvailableManager[] {
	const word = block[0]?.split(" ")[0] ?? "";
	const labels = word === "npx" || word === "npm" ? ["npm"] : word === "yarn" ? ["yarn1", "yarn4"] : [word];
	return labels.map((label) => {
		const manager = found.find((m) => m.label === label);
		if (!manager) throw new Error(`README block \`${block[0]}\` needs ${label}, which is not installed (see .ci/run)`);
		return manager;
	});
}

describe("README: Create a project, verbatim", () => {
	it("has the commands this test expects to find (npm create, npx, pnpm, yarn, bun)", () => {
		const firstWords = blocks.map((b) => b[0]?.split(" ")[0]);
		expect(firstWords).toEqual(["npm", "npm", "npx", "pnpm", "yarn", "bun"]);
	});

	blocks.forEach((block, index) => {
		for (const manager of managersFor(block)) {
			it(`block ${index + 1} with ${manager.label}: ${block.join(" ; ")}`, async () => {
				const dir = join(workDir, `block-${index + 1}-${manager.label}`);
				mkdirSync(dir, { recursive: true });
				const env = readmeEnv(manager);
				for (const [i, command] of block.entries())
					await runLine(command, { dir, env, log: join(dir, `line-${i + 1}.log`) });
				// Each block creates my-api: installed with this manager, first commit with its lockfile, clean tree.
				const project = join(dir, "my-api");
				const git = (...args: string[]) => execFileSync("git", args, { cwd: project, encoding: "utf8" });
				expect(git("ls-tree", "-r", "--name-only", "HEAD").split("\n")).toContain(manager.data.lockfile);
				expect(git("status", "--porcelain")).toBe("");
				const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
				expect(pkg.createBackendStarter.command.startsWith(manager.data.dlx("@backend-starter/create@"))).toBe(true);
				// The generated README's commands, verbatim, in the npm-made project of the first block.
				if (index === 0) {
					const generated = shellBlocks(readFileSync(join(project, "README.md"), "utf8"));
					expect(generated.flat()).toEqual([
						"npm ci",
						"npm run lint",
						"npm run typecheck",
						"npm test",
						"npm run build",
						"npm run deploy:check",
					]);
					for (const [i, command] of generated.flat().entries())
						await runLine(command, { dir: project, env, log: join(dir, `generated-${i + 1}.log`) });
					expect(git("status", "--porcelain")).toBe("");
				}
			});
		}
	});

	it("sent the @backend-starter scope to the local registry (so the code under test is what ran)", () => {
		expect(registry.requests.some((path) => path.endsWith(".tgz"))).toBe(true);
	});
});

/**
 * A person's environment with a throwaway HOME (the scope settings above; fresh caches, so that no npx or dlx
 * cache serves an older build of this package) and the manager first on PATH. Yarn 1's `create` installs the
 * package globally: its global folder and prefix go under that HOME too (root's default is /usr/local).
 */
function readmeEnv(manager: AvailableManager): Record<string, string> {
	// npm run (vitest's launcher) sets npm_config_userconfig and npm_config_cache to the real home's: point them here.
	const env = managerEnv(
		manager,
		freshEnv({
			HOME: home,
			npm_config_userconfig: join(home, ".npmrc"),
			npm_config_cache: join(home, ".npm"),
			npm_config_yes: "true",
			CI: "true",
		}),
	);
	if (manager.label === "yarn1") {
		env.YARN_GLOBAL_FOLDER = join(home, "yarn1-global");
		env.YARN_PREFIX = join(home, "yarn1-prefix");
	}
	return env;
}

/** One README line in bash; a line that starts a server (`… npm run dev`) runs until /health answers. */
async function runLine(
	command: string,
	options: { dir: string; env: Record<string, string>; log: string },
): Promise<void> {
	if (/\b(run dev|start)$/.test(command)) {
		const port = await freePort();
		const server = startGroup(command, {
			cwd: options.dir,
			env: { ...options.env, PORT: String(port) },
			url: `http://127.0.0.1:${port}`,
			log: (chunk) => appendFileSync(options.log, chunk),
		});
		try {
			await waitForHealth(server, 90_000);
		} catch (error) {
			throw new Error(`\`${command}\`: ${(error as Error).message}\n${await tail(options.log)}`);
		} finally {
			await server.stop();
		}
		return;
	}
	const result = await runLogged("bash", ["-c", command], {
		cwd: options.dir,
		env: options.env,
		log: options.log,
		timeoutMs: STEP_MS,
	});
	if (result.code !== 0) throw new Error(`\`${command}\` exited ${result.code}:\n${await tail(result.log)}`);
	if (!existsSync(options.dir)) throw new Error(`\`${command}\` removed its folder`);
}
