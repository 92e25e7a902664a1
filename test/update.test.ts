// The `update` and `add` commands through the built CLI: every exit code (0, 2, 3) and refusal, with the tiny pack
// as a folder pack (its old version kept as a copy) and with the built-in pack fetched from the cache / registry.
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Pack } from "../src/packs.js";
import type { ProjectRecord } from "../src/record.js";
import { newAnswers } from "../src/update.js";
import { cli, ROOT, snapshot, tinyPack, tmp, writeTree } from "./helpers.js";

const GIT_ENV = {
	GIT_AUTHOR_NAME: "t",
	GIT_AUTHOR_EMAIL: "t@example.com",
	GIT_COMMITTER_NAME: "t",
	GIT_COMMITTER_EMAIL: "t@example.com",
};
function git(cwd: string, ...args: string[]): string {
	const run = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
	if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
	return run.stdout;
}
function commit(dir: string): void {
	git(dir, "add", "-A");
	git(dir, "commit", "-qm", "edit");
}
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");

/**
 * A workspace with the tiny pack in ./pack and a project ./app made from it (committed). `evolve` then changes
 * the pack into its "new version"; the old one stays in ./pack-old for --from.
 */
function workspace(args: string[] = []) {
	const cwd = tmp();
	tinyPack(path.join(cwd, "pack"), {
		"layers/base/src/notes.ts": "export const a = 1;\nexport const b = 2;\nexport const c = 3;\nexport const d = 4;\n",
		"layers/base/src/dropped.ts": "export {};\n",
	});
	const made = cli(["app", "--pack", "./pack", "--yes", "--no-install", "--no-git", ...args], cwd);
	expect(made.code, made.stderr).toBe(0);
	const app = path.join(cwd, "app");
	git(app, "init", "-q");
	commit(app);
	return { cwd, app };
}

/** The pack's next version: a changed line in notes.ts, a file dropped, a file and a dependency added. */
function evolve(cwd: string): void {
	cpSync(path.join(cwd, "pack"), path.join(cwd, "pack-old"), { recursive: true });
	writeTree(path.join(cwd, "pack"), {
		"layers/base/src/notes.ts": "export const a = 1;\nexport const b = 20;\nexport const c = 3;\nexport const d = 4;\n",
		"layers/base/src/health.ts": "export const ok = true;\n",
		"layers/base/package.json": JSON.stringify({ scripts: { dev: "node ." }, dependencies: { a: "2" } }),
	});
	rmSync(path.join(cwd, "pack/layers/base/src/dropped.ts"), { force: true });
}

describe("update", () => {
	it("merges the new pack version into a project with user edits, keeps them and exits 0", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		appendFileSync(path.join(app, "src/notes.ts"), "export const mine = 5;\n");
		writeFileSync(path.join(app, "src/mine.ts"), "export const x = 1;\n");
		const pkg = JSON.parse(read(app, "package.json"));
		pkg.dependencies.zod = "^3.0.0";
		writeFileSync(path.join(app, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
		commit(app);

		const run = cli(["update", "app", "--from", "./pack-old", "--no-install"], cwd);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/merged\s+src\/notes\.ts/);
		expect(run.stdout).toMatch(/added\s+src\/health\.ts/);
		expect(run.stdout).toMatch(/deleted\s+src\/dropped\.ts/);
		expect(read(app, "src/notes.ts")).toBe(
			"export const a = 1;\nexport const b = 20;\nexport const c = 3;\nexport const d = 4;\nexport const mine = 5;\n",
		);
		expect(read(app, "src/mine.ts")).toBe("export const x = 1;\n");
		expect(existsSync(path.join(app, "src/dropped.ts"))).toBe(false);
		const after = JSON.parse(read(app, "package.json"));
		expect(after.dependencies).toEqual({ a: "2", zod: "^3.0.0" });
		// The record moves to the new version: a second update finds its base without --from.
		expect(after.createBackendStarter.pack.source).toEqual({ type: "folder", path: "../pack" });
		commit(app);
		const again = cli(["update", "app", "--no-install", "--json"], cwd);
		expect(again.code, again.stderr).toBe(0);
		const files = JSON.parse(again.stdout).files as { action: string }[];
		expect(files.every((f) => f.action === "unchanged")).toBe(true);
	});

	it("--dry-run lists every file's action and writes nothing; --json is one object", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		const before = snapshot(app);
		const dry = cli(["update", "app", "--from", "./pack-old", "--dry-run"], cwd);
		expect(dry.code, dry.stderr).toBe(0);
		expect(dry.stdout).toContain("dry run: nothing written");
		expect(dry.stdout).toMatch(/updated\s+src\/notes\.ts/);
		expect(dry.stdout).toMatch(/unchanged\s+\.gitignore/);
		const json = cli(["update", "app", "--from", "./pack-old", "--dry-run", "--json"], cwd);
		const result = JSON.parse(json.stdout);
		expect(Object.keys(result)).toEqual(["directory", "from", "to", "files", "conflicts", "steps", "dryRun"]);
		expect(result.files).toContainEqual({ path: "src/health.ts", action: "added" });
		expect(result.conflicts).toEqual([]);
		expect(snapshot(app)).toEqual(before);
	});

	it("exits 3 with markers and the conflict listed when an edit overlaps the new version's", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		writeFileSync(
			path.join(app, "src/notes.ts"),
			"export const a = 1;\nexport const b = 99;\nexport const c = 3;\nexport const d = 4;\n",
		);
		commit(app);
		const run = cli(["update", "app", "--from", "./pack-old", "--no-install"], cwd);
		expect(run.code).toBe(3);
		expect(run.stdout).toContain("1 conflict left to resolve:\n  src/notes.ts: 1 conflicting hunk marked");
		expect(read(app, "src/notes.ts")).toBe(
			"export const a = 1;\n<<<<<<< yours\nexport const b = 99;\n=======\nexport const b = 20;\n>>>>>>> tiny 0.0.0\nexport const c = 3;\nexport const d = 4;\n",
		);
		// The rest of the update is in place.
		expect(existsSync(path.join(app, "src/health.ts"))).toBe(true);
	});

	it("refuses a tree with uncommitted changes (exit 2, nothing written) unless --allow-dirty", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		appendFileSync(path.join(app, "src/notes.ts"), "// wip\n");
		const before = snapshot(app);
		const run = cli(["update", "app", "--from", "./pack-old", "--no-install"], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("has uncommitted changes (git status): commit or stash them first");
		expect(snapshot(app)).toEqual(before);
		const allowed = cli(["update", "app", "--from", "./pack-old", "--no-install", "--allow-dirty"], cwd);
		expect(allowed.code, allowed.stderr).toBe(0);
		expect(read(app, "src/notes.ts")).toContain("export const b = 20;\n");
	});

	it("says there is no undo without git", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		rmSync(path.join(app, ".git"), { recursive: true });
		const run = cli(["update", "app", "--from", "./pack-old", "--no-install"], cwd);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stderr).toContain("is not in a git repository: there is no undo for this update");
	});

	it("refuses a folder that is not a generated project (exit 2)", () => {
		const cwd = tmp();
		writeTree(cwd, { "plain/package.json": '{"name":"plain"}', "empty/.keep": "" });
		for (const dir of ["plain", "empty"]) {
			const run = cli(["update", dir], cwd);
			expect(run.code).toBe(2);
			expect(run.stderr).toContain("is not a project made by create-backend-starter");
		}
	});

	it("refuses an unknown option or value in --set, naming the choices (exit 2)", () => {
		const { cwd } = workspace();
		const unknown = cli(["update", "app", "--set", "cache=redis"], cwd);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('"cache=redis": tiny has no option "cache"; the options are api, db');
		const value = cli(["update", "app", "--set", "api=soap"], cwd);
		expect(value.code).toBe(2);
		expect(value.stderr).toContain('"api=soap": api must be one of rest, graphql');
		const flag = cli(["update", "app", "--api", "graphql"], cwd);
		expect(flag.code).toBe(2);
		expect(flag.stderr).toContain("Unknown argument: --api; an answer is changed with --set name=value (see --help)");
		const bare = cli(["update", "app", "--set"], cwd);
		expect(bare.code).toBe(2);
		expect(bare.stderr).toContain("--set needs a value as name=value, e.g. --set auth=jwt");
	});

	it("never guesses a base: a pack folder changed since is exit 2 saying to pass --from", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		const before = snapshot(app);
		const run = cli(["update", "app", "--no-install"], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(
			/the pack in .*pack has changed since the project was made; pass --from with a copy of tiny 0\.0\.0/,
		);
		expect(snapshot(app)).toEqual(before);
		// A --from that is not the recorded version is refused too.
		const wrong = cli(["update", "app", "--from", "./pack", "--no-install"], cwd);
		expect(wrong.code).toBe(2);
		expect(wrong.stderr).toContain("is not the tiny 0.0.0 this project was made with");
	});

	it("takes the default for an option the pack gained since", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		const manifest = JSON.parse(read(cwd, "pack/pack.json"));
		manifest.options.push({ name: "ci", message: "CI?", choices: ["none", "github"], default: "github" });
		manifest.layers.push({ dir: "layers/ci", when: { ci: "github" } });
		writeFileSync(path.join(cwd, "pack/pack.json"), JSON.stringify(manifest));
		writeTree(path.join(cwd, "pack"), { "layers/ci/ci.yml": "on: push\n" });
		const run = cli(["update", "app", "--from", "./pack-old", "--no-install", "--json"], cwd);
		expect(run.code, run.stderr).toBe(0);
		expect(JSON.parse(run.stdout).to.answers).toEqual({ api: "rest", db: "sql", ci: "github" });
		expect(read(app, "ci.yml")).toBe("on: push\n");
	});
});

describe("add", () => {
	it("changes an answer at the recorded pack version, keeping edits and .env", () => {
		const { cwd, app } = workspace();
		appendFileSync(path.join(app, "src/notes.ts"), "export const mine = 5;\n");
		appendFileSync(path.join(app, ".env"), "MINE=1\n");
		commit(app);
		const env = read(app, ".env");
		const before = JSON.parse(read(app, "package.json"));
		const run = cli(["add", "api=graphql", "app", "--no-install"], cwd);
		expect(run.code, run.stderr).toBe(0);
		expect(read(app, "src/schema.graphql")).toBe("type Query { ok: Boolean }\n");
		expect(read(app, "src/notes.ts")).toContain("export const mine = 5;\n");
		expect(read(app, ".env")).toBe(env);
		expect(read(app, ".env.example")).toBe("SECRET=change-me\nGRAPHQL=1\n");
		const pkg = JSON.parse(read(app, "package.json"));
		expect(pkg.dependencies).toEqual({ a: "1", graphql: "16" });
		expect(pkg.createBackendStarter.answers).toEqual({ api: "graphql", db: "sql" });
		expect(pkg.createBackendStarter.pack).toEqual(before.createBackendStarter.pack);
		expect(pkg.createBackendStarter.command).toContain("--api graphql");
	});

	it("runs the package manager when dependencies changed; a failed install is exit 1 saying what to run", () => {
		const { cwd, app } = workspace();
		const run = cli(["add", "api=graphql", "app"], cwd, {
			npm_config_registry: "http://127.0.0.1:9/",
			npm_config_fetch_retries: "0",
			npm_config_cache: path.join(cwd, "npm-cache"),
		});
		expect(run.code).toBe(1);
		expect(run.stdout).toContain("Installing dependencies with npm");
		expect(run.stderr).toContain("npm install exited with 1; the files are updated, finish by hand with: npm install");
		expect(read(app, "src/schema.graphql")).toBe("type Query { ok: Boolean }\n");
	});

	it("needs name=value arguments and refuses --pack (exit 2)", () => {
		const { cwd } = workspace();
		expect(cli(["add", "app"], cwd).stderr).toContain("add needs at least one answer as name=value");
		const run = cli(["add", "api=graphql", "app", "--pack", "./pack"], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("Unknown argument: --pack");
	});
});

describe("a base of the built-in pack", () => {
	/**
	 * A project made with an "older release" of the built-in pack: a copy of templates/backend with one change,
	 * recorded as the built-in pack (as that release would have), and committed.
	 */
	function olderBuiltin(flags: string[] = []) {
		const cwd = tmp();
		const old = path.join(cwd, "old");
		cpSync(path.join(ROOT, "templates/backend"), old, { recursive: true });
		appendFileSync(path.join(old, "layers/base/_editorconfig"), "\n[*.old]\nindent_size = 8\n");
		appendFileSync(path.join(old, "layers/base/README.md.ejs"), "\nA line the next version drops.\n");
		const made = cli(["app", "--pack", "./old", "--yes", "--no-install", "--no-git", "--auth", "none", ...flags], cwd);
		expect(made.code, made.stderr).toBe(0);
		const app = path.join(cwd, "app");
		const pkg = JSON.parse(read(app, "package.json"));
		const version = pkg.createBackendStarter.pack.version;
		pkg.createBackendStarter.pack.source = { type: "builtin", package: "create-backend-starter" };
		writeFileSync(path.join(app, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
		git(app, "init", "-q");
		commit(app);
		return { cwd, app, old, version };
	}

	it("comes from the cache of npm packs when the recorded hash matches", () => {
		const { cwd, app, old, version } = olderBuiltin();
		const cache = path.join(cwd, "cache");
		cpSync(old, path.join(cache, `create-backend-starter@${version}`, "package/templates/backend"), {
			recursive: true,
		});
		const run = cli(["update", "app", "--no-install"], cwd, { CREATE_BACKEND_STARTER_CACHE: cache });
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/updated\s+\.editorconfig/);
		expect(read(app, ".editorconfig")).not.toContain("[*.old]");
	});

	it("renders the base for the package manager the project records, so its README and CI are not in conflict", () => {
		const { cwd, app } = olderBuiltin(["--pm", "pnpm"]);
		expect(JSON.parse(read(app, "package.json")).createBackendStarter.packageManager.name).toBe("pnpm");
		const run = cli(["update", "app", "--no-install", "--from", "./old", "--json"], cwd);
		expect(run.code, run.stderr).toBe(0);
		const files = JSON.parse(run.stdout).files as { path: string; action: string }[];
		expect(files.filter((f) => f.action !== "unchanged")).toEqual([
			{ path: ".editorconfig", action: "updated" },
			{ path: "README.md", action: "updated" },
			{ path: "package.json", action: "updated" },
		]);
		// The README is today's, for pnpm: the same as a new project's.
		const fresh = cli(["fresh/app", "--yes", "--no-install", "--no-git", "--auth", "none", "--pm", "pnpm"], cwd);
		expect(fresh.code, fresh.stderr).toBe(0);
		expect(read(app, "README.md")).toBe(read(cwd, "fresh/app/README.md"));
		expect(read(app, "README.md")).toContain("pnpm run dev");
	});

	it("is fetched with npm pack from the registry; when that fails, exit 2 saying to pass --from", () => {
		const { cwd, app } = olderBuiltin();
		const before = snapshot(app);
		const run = cli(["update", "app", "--no-install"], cwd, {
			CREATE_BACKEND_STARTER_CACHE: path.join(cwd, "empty-cache"),
			npm_config_registry: "http://127.0.0.1:9/",
			npm_config_fetch_retries: "0",
		});
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(
			/cannot render the base: npm pack create-backend-starter@\S+ failed \(.*\); pass --from/,
		);
		expect(snapshot(app)).toEqual(before);
		const from = cli(["update", "app", "--no-install", "--from", "./old"], cwd);
		expect(from.code, from.stderr).toBe(0);
	});
});

describe("pack check --update-from", () => {
	it("passes when every untouched combination of the older pack updates cleanly (exit 0)", () => {
		const cwd = tmp();
		tinyPack(path.join(cwd, "pack"));
		evolve(cwd);
		const run = cli(["pack", "check", "./pack", "--update-from", "./pack-old"], cwd);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toContain(
			"Updated 4 untouched combinations from tiny 0.0.0 (./pack-old) to tiny 0.0.0: no conflicts",
		);
	});

	it("names the files that would conflict for an untouched project (exit 1)", () => {
		const cwd = tmp();
		// A secret rendered into a file that is not private: each render differs, so an update cannot tell it apart
		// from a user's edit.
		tinyPack(path.join(cwd, "pack"), { "layers/base/src/key.ts.ejs": 'export const key = "<%= randomSecret() %>";\n' });
		evolve(cwd);
		writeTree(path.join(cwd, "pack"), {
			"layers/base/src/key.ts.ejs": '// rotated\nexport const key = "<%= randomSecret() %>";\n',
		});
		const run = cli(["pack", "check", "./pack", "--update-from", "./pack-old"], cwd);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain("api=rest db=sql: src/key.ts would conflict");
		expect(run.stderr).toContain("4 of 4 combinations do not update cleanly from tiny 0.0.0 (./pack-old)");
	});
});

describe("update refusing what it cannot write", () => {
	it("stops before writing anything when a file stands where the new version needs a folder (exit 2)", () => {
		const { cwd, app } = workspace();
		evolve(cwd);
		writeTree(path.join(cwd, "pack"), { "layers/base/src/extra/x.ts": "export {};\n" });
		writeFileSync(path.join(app, "src/extra"), "mine\n");
		commit(app);
		const before = snapshot(app);
		const run = cli(["update", "app", "--from", "./pack-old", "--no-install"], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('"src/extra/x.ts": a file in');
		expect(snapshot(app)).toEqual(before);
	});
});

describe("newAnswers with conditional options", () => {
	const pack = {
		name: "p",
		version: "1.0.0",
		options: [
			{ name: "db", message: "DB?", choices: ["sql", "nosql"], default: "sql" },
			{
				name: "dialect",
				message: "Dialect?",
				choices: ["postgres", "mysql"],
				default: "postgres",
				when: { db: "sql" },
			},
		],
	} as unknown as Pack;
	const record = (answers: Record<string, string>) => ({ answers }) as unknown as ProjectRecord;

	it("gives an option that starts to apply its default, and drops one that stops applying", () => {
		expect(newAnswers(record({ db: "nosql" }), pack, ["db=sql"])).toEqual({ db: "sql", dialect: "postgres" });
		expect(newAnswers(record({ db: "sql", dialect: "mysql" }), pack, ["db=nosql"])).toEqual({ db: "nosql" });
		expect(newAnswers(record({ db: "nosql" }), pack, ["db=sql", "dialect=mysql"])).toEqual({
			db: "sql",
			dialect: "mysql",
		});
	});

	it("refuses a value for an option whose condition does not hold, naming the condition", () => {
		expect(() => newAnswers(record({ db: "nosql" }), pack, ["dialect=mysql"])).toThrow(
			"dialect=mysql applies only with db=sql",
		);
	});
});
