// The package manager as templates see it (`packageManager`), the settings files the engine adds for it, and the
// order of the post steps: install first, then git, so that the first commit holds the lockfile.
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createProject } from "../src/create.js";
import { packageManagerData, packageManagerFiles, packageManagerVersion } from "../src/package-manager.js";
import { loadPack } from "../src/packs.js";
import { planFiles } from "../src/render.js";
import { tinyPack, tmp, writeTree } from "./helpers.js";

describe("packageManagerData", () => {
	it("gives each manager its own commands; bun runs the test script, not Bun's runner", () => {
		const npm = packageManagerData("npm");
		expect([npm.frozenInstall, npm.run("dev"), npm.run("test"), npm.run("start"), npm.lockfile]).toEqual([
			"npm ci",
			"npm run dev",
			"npm test",
			"npm start",
			"package-lock.json",
		]);
		const bun = packageManagerData("bun", "1.4.5");
		expect([bun.run("test"), bun.exec("biome check ."), bun.lockfile]).toEqual([
			"bun run test",
			"bunx biome check .",
			"bun.lock",
		]);
		expect(packageManagerData("pnpm", "12.26.0")).toMatchObject({
			frozenInstall: "pnpm install --frozen-lockfile",
			field: "",
			bootstrap: "npm install --global pnpm@12.26.0",
			firstInstallArgs: ["install", "--no-frozen-lockfile"],
		});
	});

	it("tells Yarn 1 from Yarn 2+ by the version", () => {
		const classic = packageManagerData("yarn", "1.22.22");
		const berry = packageManagerData("yarn", "4.18.1");
		expect([classic.berry, classic.frozenInstall, classic.dlx("x@1")]).toEqual([
			false,
			"yarn install --frozen-lockfile",
			"npx x@1",
		]);
		expect([berry.berry, berry.frozenInstall, berry.dlx("x@1"), berry.firstInstallArgs]).toEqual([
			true,
			"yarn install --immutable",
			"yarn dlx x@1",
			["install", "--no-immutable"],
		]);
	});

	it("takes the version from the user agent of the manager that ran the tool, and never asks npm", async () => {
		expect(await packageManagerVersion("pnpm", tmp(), "pnpm/12.26.0 npm/? node/v24.21.0 linux x64")).toBe("12.26.0");
		expect(await packageManagerVersion("npm", tmp(), "")).toBe("");
	});
});

describe("packageManagerFiles", () => {
	it("writes .yarnrc.yml (node_modules linker) for Yarn 2+ only", () => {
		expect(packageManagerFiles(packageManagerData("yarn", "4.18.1"), {})).toEqual([
			{ path: ".yarnrc.yml", content: expect.stringContaining("nodeLinker: node-modules\n") },
		]);
		expect(packageManagerFiles(packageManagerData("yarn", "1.22.22"), {})).toEqual([]);
		expect(packageManagerFiles(packageManagerData("npm"), { allowScripts: { esbuild: false } })).toEqual([]);
	});

	it("turns npm's allowScripts into pnpm's allowBuilds", () => {
		const [file] = packageManagerFiles(packageManagerData("pnpm", "12.26.0"), {
			allowScripts: { esbuild: false, "@acme/native": true },
		});
		expect(file?.path).toBe("pnpm-workspace.yaml");
		expect(file?.content).toMatch(/^allowBuilds:\n {2}"esbuild": false\n {2}"@acme\/native": true\n$/m);
	});

	it("the built-in pack: a pnpm project gets pnpm-workspace.yaml and pnpm commands, CI pnpm by version", async () => {
		const pack = await loadPack();
		const plan = planFiles(pack, {
			answers: { api: "rest", db: "sql", dialect: "postgres", auth: "jwt" },
			projectName: "x",
			stamp: {},
			packageManager: packageManagerData("pnpm", "12.26.0"),
		});
		const text = (p: string) => plan.find((f) => f.path === p)?.content.toString() ?? "";
		expect(JSON.parse(text("package.json")).packageManager).toBeUndefined();
		// esbuild (under Vite) ships prebuilt binaries; its install script is refused, as npm's allowScripts says.
		expect(text("pnpm-workspace.yaml")).toContain('allowBuilds:\n  "esbuild": false\n');
		expect(text(".github/workflows/ci.yml")).toContain(
			"- uses: pnpm/action-setup@v4\n        with:\n          version: 12\n",
		);
		expect(text(".github/workflows/ci.yml")).toContain("- run: pnpm install --frozen-lockfile\n");
		expect(text("Dockerfile")).toContain("COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\n");
		expect(text("README.md")).toContain("| `pnpm run dev` |");
		expect(text("README.md")).not.toMatch(/\bnpm (run|ci|test|start)\b/);
	});
});

describe("post steps", () => {
	const savedPath = process.env.PATH;
	afterEach(() => {
		process.env.PATH = savedPath;
	});

	// A stand-in pnpm on PATH that writes a lockfile, as pnpm's install does: what matters here is the order.
	function fakePnpm(): string {
		const bin = writeTree(tmp(), { pnpm: "#!/bin/sh\necho 'lockfileVersion: 9.0' > pnpm-lock.yaml\n" });
		chmodSync(path.join(bin, "pnpm"), 0o755);
		return bin;
	}

	it("installs, then commits: the first commit holds the lockfile and the tree is clean", async () => {
		process.env.PATH = `${fakePnpm()}:${savedPath}`;
		const cwd = tmp();
		const result = await createProject({
			cwd,
			directory: "app",
			pack: tinyPack(path.join(cwd, "pack")),
			pm: "pnpm",
			pmVersion: "12.26.0",
		});
		expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["install:done", "git:done"]);
		const git = (...args: string[]) => execFileSync("git", args, { cwd: path.join(cwd, "app"), encoding: "utf8" });
		expect(git("ls-tree", "-r", "--name-only", "HEAD").split("\n")).toContain("pnpm-lock.yaml");
		expect(git("status", "--porcelain")).toBe("");
		expect(result.command).toMatch(/^pnpm dlx @backend-starter\/create@\S+ app .* --pm pnpm --yes$/);
	});

	it("--no-install: the next steps install, then commit the lockfile the first commit could not hold", async () => {
		const cwd = tmp();
		const result = await createProject({
			cwd,
			directory: "app",
			pack: tinyPack(path.join(cwd, "pack")),
			pm: "yarn",
			pmVersion: "4.18.1",
			install: false,
		});
		expect(result.nextSteps).toEqual([
			"cd app",
			"yarn install",
			'git add yarn.lock && git commit -m "Add yarn.lock"',
			"yarn run dev",
		]);
		expect(readFileSync(path.join(cwd, "app/.yarnrc.yml"), "utf8")).toContain("nodeLinker: node-modules");
	});
});
