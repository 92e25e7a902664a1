import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import prompts from "prompts";
import { describe, expect, it } from "vitest";
import { checkPack, createProject, findReplacedFiles, initPack, loadPack } from "../src/index.js";
import { askOnTerminal } from "../src/prompts.js";
import { cli, ROOT, readTree, snapshot, tinyPack, tmp } from "./helpers.js";

const builtInLoads = await loadPack().then(
	() => true,
	() => false,
);

describe("pack check", () => {
	it("renders every combination of the options in memory", async () => {
		const result = await checkPack(tinyPack(tmp()));
		expect(result).toEqual({ pack: "tiny", combinations: 4, errors: [] });
	});

	it("reports each failing combination with the file and layer; the CLI exits 1", async () => {
		const dir = tinyPack(tmp(), { "layers/gql/broken.ts.ejs": "<%= graphqlOnly.x %>" });
		const result = await checkPack(dir);
		expect(result.errors).toEqual([
			{
				answers: { api: "graphql", db: "sql" },
				message: "cannot render tiny/layers/gql/broken.ts.ejs:1: graphqlOnly is not defined",
			},
			{
				answers: { api: "graphql", db: "nosql" },
				message: "cannot render tiny/layers/gql/broken.ts.ejs:1: graphqlOnly is not defined",
			},
		]);
		const run = cli(["pack", "check", dir], tmp());
		expect(run.code).toBe(1);
		expect(run.stderr).toMatch(/^api=graphql db=sql: cannot render tiny\/layers\/gql\/broken\.ts\.ejs:1/m);
		expect(run.stderr).toMatch(/2 of 4 combinations of tiny failed to render/);
	});

	it("prints how many combinations it rendered and exits 0", () => {
		const run = cli(["pack", "check", tinyPack(tmp())], tmp());
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/Rendered 4 combinations of tiny: no errors/);
	});

	it("answers --help for the pack commands, and asks for the pack to check (exit 2)", () => {
		const help = cli(["pack", "check", "--help"], tmp());
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(/--only/);
		expect(cli(["pack", "init", "--help"], tmp()).code).toBe(0);
		const missing = cli(["pack", "check"], tmp());
		expect(missing.code).toBe(2);
		expect(missing.stderr).toMatch(/name the pack to check/);
	});

	it("exits 2 for an invalid manifest or a missing subcommand", () => {
		expect(cli(["pack", "check", tmp()], tmp()).stderr).toMatch(/pack\.json: missing/);
		const run = cli(["pack"], tmp());
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/name a subcommand: check or init/);
	});
});

describe("pack check: files that a later layer replaces (issue 13)", () => {
	it("lists each path written by two applied layers, with the layers and the combinations", async () => {
		const dir = tinyPack(tmp(), { "layers/base/src/schema.graphql": "base\n", "layers/gql/NOTES.md": "n\n" });
		expect(findReplacedFiles(await loadPack(dir))).toEqual([
			{
				path: "src/schema.graphql",
				layers: ["tiny/layers/base", "tiny/layers/gql"],
				answers: [
					{ api: "graphql", db: "sql" },
					{ api: "graphql", db: "nosql" },
				],
			},
		]);
		// package.json fragments merge and .env/.env.example fragments append by design: never listed.
		expect(findReplacedFiles(await loadPack(tinyPack(tmp())))).toEqual([]);
	});

	it("is a warning: pack check names the file and still exits 0", () => {
		const run = cli(["pack", "check", tinyPack(tmp(), { "layers/base/src/schema.graphql": "base\n" })], tmp());
		expect(run.code).toBe(0);
		expect(run.stderr).toMatch(
			/^warning: src\/schema\.graphql is replaced: tiny\/layers\/gql replaces tiny\/layers\/base's file \(2 of 4 combinations, e\.g\. api=graphql db=sql\)$/m,
		);
		expect(run.stdout).toMatch(/Rendered 4 combinations of tiny: no errors/);
	});
});

describe("pack init", () => {
	it.skipIf(!builtInLoads)("writes a pack extending the built-in one that passes pack check", async () => {
		const cwd = tmp();
		await initPack("acme-pack", cwd);
		expect(JSON.parse(readFileSync(path.join(cwd, "acme-pack/pack.json"), "utf8")).extends).toBe(
			"create-backend-starter",
		);
		const result = await checkPack("./acme-pack", cwd);
		expect(result.errors).toEqual([]);
		expect(result.combinations).toBeGreaterThanOrEqual(16);
	});

	it("writes the pack kept in templates/pack-init, named after its folder, using none of the built-in options", async () => {
		const cwd = tmp();
		await initPack("house-pack", cwd);
		const written = readTree(path.join(cwd, "house-pack"));
		const template = readTree(path.join(ROOT, "templates", "pack-init"));
		expect(Object.keys(written)).toEqual(Object.keys(template));
		expect(JSON.parse(written["pack.json"] ?? "").name).toBe("house-pack");
		for (const [file, text] of Object.entries(written)) {
			expect(text, file).not.toMatch(/<%[^%]*\b(api|db|auth)\b/);
			if (file !== "pack.json") expect(text, file).toBe(template[file]);
		}
	});

	it("refuses a non-empty folder", async () => {
		const cwd = tmp();
		tinyPack(path.join(cwd, "taken"));
		const before = snapshot(cwd);
		await expect(initPack("taken", cwd)).rejects.toThrow(/is not empty/);
		expect(snapshot(cwd)).toEqual(before);
	});
});

describe("createProject (API)", () => {
	it("asks for the directory and the missing options (prompts.inject); given answers are not asked", async () => {
		const cwd = tmp();
		const pack = tinyPack(path.join(cwd, "pack"));
		prompts.inject(["asked-app", "nosql"]);
		const asked: string[] = [];
		const result = await createProject({
			pack,
			cwd,
			answers: { api: "graphql" },
			ask: (questions) => {
				asked.push(...questions.map((q) => q.name));
				return askOnTerminal(questions);
			},
			git: false,
			install: false,
		});
		expect(asked).toEqual(["directory", "db"]);
		expect(result).toMatchObject({ name: "asked-app", answers: { api: "graphql", db: "nosql" }, steps: [] });
		expect(
			JSON.parse(readFileSync(path.join(cwd, "asked-app/package.json"), "utf8")).createBackendStarter.answers,
		).toEqual({ api: "graphql", db: "nosql" });
	});

	it("turns Ctrl-C at a question into exit code 130 and writes nothing", async () => {
		const cwd = tmp();
		const pack = tinyPack(path.join(cwd, "pack"));
		const before = snapshot(cwd);
		// prompts.inject treats an Error as the user aborting the question.
		prompts.inject(["app", new Error("cancelled")]);
		await expect(createProject({ pack, cwd, ask: askOnTerminal, git: false, install: false })).rejects.toMatchObject({
			exitCode: 130,
		});
		expect(snapshot(cwd)).toEqual(before);
	});
});

describe.skipIf(!builtInLoads)("the built-in pack", () => {
	it("generates every combination without a terminal", () => {
		const cwd = tmp();
		const run = cli(
			["app", "--api", "graphql", "--db", "nosql", "--auth", "none", "--yes", "--no-install", "--no-git", "--json"],
			cwd,
		);
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout).answers).toEqual({ api: "graphql", db: "nosql", auth: "none" });
	});
});

describe.skipIf(!builtInLoads)("the built-in pack replaces no file (issue 13)", () => {
	// Expected to fail until the built-in templates are rewritten so that no layer writes a file another one wrote.
	it("no applied layer writes a path that an earlier applied layer wrote", async () => {
		const replaced = findReplacedFiles(await loadPack());
		expect(replaced.map((r) => `${r.path}: ${r.layers.join(" → ")}`)).toEqual([]);
	});
});

describe("the build", () => {
	it("writes nothing into src/ (the tests run the sources without a build)", () => {
		const status = spawnSync("git", ["status", "--porcelain", "--ignored", "--untracked-files=all", "src"], {
			cwd: ROOT,
			encoding: "utf8",
		});
		const generated = status.stdout.split("\n").filter((line) => line.startsWith("!! "));
		expect(generated).toEqual([]);
	});
});
