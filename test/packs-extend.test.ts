// Packs that extend packs (issue 4): three-deep chains through a folder and an npm package, option overrides,
// layer order and replacement, package.json and .env.example across packs, `pack check` on good and broken
// packs through the CLI, `pack check --build` (with a stand-in npm), `pack init`, and the example pack in
// examples/acme-pack. Every pack is written inline by the test (copier style).
import { chmodSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkPack, loadPack, type PlannedFile, planFiles } from "../src/index.js";
import { cli, ROOT, type Tree, tinyPack, tmp, writeTree } from "./helpers.js";

const option = (name: string, choices: string[], def: string) => ({ name, message: `${name}?`, choices, default: def });
const plan = (pack: Awaited<ReturnType<typeof loadPack>>, answers: Record<string, string>) =>
	Object.fromEntries(
		planFiles(pack, { answers, projectName: "app", stamp: { answers } }).map((f): [string, PlannedFile] => [f.path, f]),
	);
const text = (files: Record<string, PlannedFile>, file: string) => files[file]?.content.toString("utf8");

/**
 * root/gp: the tiny pack (api, db; layers base and gql). root/node_modules/@acme/parent extends it by relative
 * path, overrides `db`, adds `queue`. root/child extends the package @acme/parent, overrides `queue`'s default
 * and adds `ci`. Each pack adds a package.json fragment and a .env.example fragment; later layers replace files.
 */
function chain(root: string): string {
	tinyPack(path.join(root, "gp"), { "layers/base/README.md": "gp readme\n" });
	writeTree(path.join(root, "node_modules/@acme/parent"), {
		"pack.json": JSON.stringify({
			name: "parent",
			extends: "../../../gp",
			options: [option("db", ["sql", "nosql", "none"], "none"), option("queue", ["none", "bullmq"], "none")],
			layers: [{ dir: "layers/p" }, { dir: "layers/bullmq", when: { queue: "bullmq", api: ["rest", "graphql"] } }],
		}),
		"layers/p/package.json": JSON.stringify({ dependencies: { a: "2", p: "1" }, keywords: ["x", "y"] }),
		"layers/p/_env.example": "PARENT=1\n",
		"layers/p/src/index.ts.ejs": "// parent <%= db %> <%= queue %>\n",
		"layers/bullmq/package.json": JSON.stringify({ dependencies: { bullmq: "5" } }),
		"layers/bullmq/src/queue.ts": "export const queue = 1;\n",
	});
	return writeTree(path.join(root, "child"), {
		"pack.json": JSON.stringify({
			name: "child",
			extends: "@acme/parent",
			options: [option("queue", ["none", "bullmq"], "bullmq"), option("ci", ["github", "none"], "github")],
			layers: [{ dir: "layers/c" }, { dir: "layers/ci", when: { ci: "github" } }],
		}),
		"layers/c/package.json": JSON.stringify({ keywords: ["z"], scripts: { dev: "node child" } }),
		"layers/c/_env.example.ejs": "CHILD=<%= ci %>\n",
		"layers/c/README.md.ejs": "child readme for <%= projectName %>\n",
		"layers/ci/_github/workflows/ci.yml": "name: acme\n",
	});
}

describe("extends: a chain three packs deep (folder → npm package → relative path)", () => {
	it("orders options parent first, a child overriding by name in place; layers root first, with provenance", async () => {
		const pack = await loadPack(chain(tmp()));
		expect(pack.chain).toEqual(["tiny", "parent", "child"]);
		expect(pack.options.map((o) => `${o.name}=${o.choices.join("|")}:${o.default}`)).toEqual([
			"api=rest|graphql:rest",
			"db=sql|nosql|none:none",
			"queue=none|bullmq:bullmq",
			"ci=github|none:github",
		]);
		expect(pack.layers.map((l) => l.label)).toEqual([
			"tiny/layers/base",
			"tiny/layers/gql",
			"parent/layers/p",
			"parent/layers/bullmq",
			"child/layers/c",
			"child/layers/ci",
		]);
	});

	it("a later pack's file replaces an earlier one; package.json merges and .env.example appends across packs", async () => {
		const pack = await loadPack(chain(tmp()));
		const files = plan(pack, { api: "graphql", db: "none", queue: "bullmq", ci: "github" });
		expect(text(files, "README.md")).toBe("child readme for app\n");
		expect(files["README.md"]?.layer).toBe("child/layers/c");
		expect(text(files, "src/index.ts")).toBe("// parent none bullmq\n");
		expect(files["src/index.ts"]?.layer).toBe("parent/layers/p");
		expect(files["src/queue.ts"]?.layer).toBe("parent/layers/bullmq");
		expect(text(files, ".github/workflows/ci.yml")).toBe("name: acme\n");
		expect(text(files, ".env.example")).toBe("SECRET=change-me\nGRAPHQL=1\nPARENT=1\nCHILD=github\n");
		expect(files[".env.example"]?.layer).toBe("tiny/layers/base + tiny/layers/gql + parent/layers/p + child/layers/c");
		const pkg = JSON.parse(text(files, "package.json") ?? "");
		expect(pkg).toEqual({
			name: "app",
			scripts: { dev: "node child" },
			dependencies: { a: "2", graphql: "16", p: "1", bullmq: "5" },
			keywords: ["z"],
			createBackendStarter: { answers: { api: "graphql", db: "none", queue: "bullmq", ci: "github" } },
		});
		expect(files["package.json"]?.layer).toBe(
			"tiny/layers/base + tiny/layers/gql + parent/layers/p + parent/layers/bullmq + child/layers/c",
		);
	});

	it("gated layers of every pack follow the answers", async () => {
		const pack = await loadPack(chain(tmp()));
		const files = plan(pack, { api: "rest", db: "sql", queue: "none", ci: "none" });
		expect(Object.keys(files)).toEqual([
			".env",
			".env.example",
			".gitignore",
			"README.md",
			"package.json",
			"src/index.ts",
		]);
		expect(text(files, ".env.example")).toBe("SECRET=change-me\nPARENT=1\nCHILD=none\n");
	});

	it("pack check renders every combination, inherited options included", async () => {
		expect(await checkPack(chain(tmp()))).toEqual({ pack: "child", combinations: 24, errors: [] });
	});

	it("reports a cycle through three packs, and a missing grandparent, naming them", async () => {
		const root = tmp();
		const manifest = (name: string, parent: string) => JSON.stringify({ name, extends: parent, layers: [] });
		writeTree(root, {
			"a/pack.json": manifest("a", "../b"),
			"b/pack.json": manifest("b", "../c"),
			"c/pack.json": manifest("c", "../a"),
		});
		await expect(loadPack(path.join(root, "a"))).rejects.toThrow(/"extends" forms a cycle: .*a → .*b → .*c → .*a$/);
		writeTree(root, { "d/pack.json": manifest("d", "../e"), "e/pack.json": manifest("e", "@acme/gone") });
		await expect(loadPack(path.join(root, "d"))).rejects.toThrow(/pack "@acme\/gone" not found/);
	});
});

describe("a pack from node_modules on the command line", () => {
	it("generates with --pack @scope/name; its options are flags, validated like the built-in ones", () => {
		const root = tmp();
		chain(root);
		const args = ["--pack", "@acme/parent", "--yes", "--no-install", "--no-git", "--json"];
		const run = cli(["app", "--queue", "bullmq", ...args], root);
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout).answers).toEqual({ api: "rest", db: "none", queue: "bullmq" });
		expect(readFileSync(path.join(root, "app/src/queue.ts"), "utf8")).toBe("export const queue = 1;\n");
		const bad = cli(["other", "--queue", "kafka", ...args], root);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/queue.*kafka|kafka.*queue/);
		expect(bad.stderr).toMatch(/none, bullmq|"none", "bullmq"/);
	});

	it("--help --pack lists the pack's own and inherited options with their choices", () => {
		const root = tmp();
		chain(root);
		const help = cli(["--help", "--pack", "./child"], root);
		expect(help.code).toBe(0);
		for (const [flag, choices] of [
			["--queue", /<none\|bullmq>/],
			["--ci", /<github\|none>/],
			["--db", /<sql\|nosql\|none>/],
		] as const) {
			const line = help.stdout.split("\n").find((l) => l.trimStart().startsWith(flag));
			expect(line, flag).toMatch(choices);
		}
	});
});

describe("pack check through the CLI", () => {
	/** root/parent is the tiny pack; root/child extends it with `manifest` and files `tree`. */
	const child = (root: string, manifest: Record<string, unknown> | string, tree: Tree = {}) => {
		tinyPack(path.join(root, "parent"));
		const json =
			typeof manifest === "string"
				? manifest
				: JSON.stringify({ name: "child", extends: "../parent", layers: [], ...manifest });
		writeTree(path.join(root, "child"), { "pack.json": json, ...tree });
		return cli(["pack", "check", "./child"], root);
	};

	it("passes a good pack and prints how many combinations it rendered", () => {
		const run = child(
			tmp(),
			{ options: [option("x", ["a", "b", "c"], "a")], layers: [{ dir: "l" }] },
			{ "l/x.txt": "" },
		);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/Rendered 12 combinations of child: no errors/);
	});

	it.each([
		["bad JSON", '{"name": "child",', {}, /invalid pack: .*child\/pack\.json: .*JSON/],
		["an unknown key", { layer: [] }, {}, /child\/pack\.json: \(top level\): unknown key "layer"/],
		[
			"a layer folder that does not exist",
			{ layers: [{ dir: "layers/nope" }] },
			{},
			/child\/pack\.json: \/layers\/0\/dir: folder "layers\/nope" does not exist/,
		],
		[
			"a layer outside the pack",
			{ layers: [{ dir: "../parent/layers/base" }] },
			{},
			/child\/pack\.json: \/layers\/0\/dir: "\.\.\/parent\/layers\/base" leads outside the pack/,
		],
		[
			"an option whose default is not among its choices",
			{ options: [option("x", ["a", "b"], "c")] },
			{},
			/child\/pack\.json: \/options\/0\/default: "c" is not one of a, b/,
		],
		[
			"a when naming an unknown option",
			{ layers: [{ dir: "l", when: { colour: "red" } }] },
			{ "l/x.txt": "" },
			/child\/pack\.json: \/layers\/0\/when: unknown option "colour"/,
		],
	])("refuses a pack with %s: exit 2, one line naming the file and key", (_, manifest, tree, message) => {
		const run = child(tmp(), manifest, tree);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(message);
		expect(run.stderr.trim().split("\n")).toHaveLength(1);
	});

	it("reports a symlink leading out of the pack for every combination, naming the layer and file (exit 1)", () => {
		const root = tmp();
		const outside = writeTree(tmp(), { "secret.txt": "s" });
		const run = child(root, { layers: [{ dir: "l", when: { api: "graphql" } }] }, { "l/x.txt": "" });
		expect(run.code).toBe(0);
		writeTree(path.join(root, "child"), { "l/leak.txt": { symlink: path.join(outside, "secret.txt") } });
		const broken = cli(["pack", "check", "./child"], root);
		expect(broken.code).toBe(1);
		expect(broken.stderr).toMatch(
			/^api=graphql db=sql: invalid pack: child\/l\/leak\.txt is a symlink leading outside/m,
		);
		expect(broken.stderr).toMatch(/^api=graphql db=nosql: /m);
		expect(broken.stderr).toMatch(/2 of 4 combinations of child failed to render/);
	});

	it("names the parent's layer and file when an inherited template fails in one combination", () => {
		const root = tmp();
		tinyPack(path.join(root, "parent"), { "layers/gql/bad.ts.ejs": "<%= db === 'nosql' ? missing.x : 1 %>\n" });
		writeTree(path.join(root, "child"), {
			"pack.json": JSON.stringify({ name: "child", extends: "../parent", layers: [] }),
		});
		const run = cli(["pack", "check", "./child"], root);
		expect(run.code).toBe(1);
		expect(run.stderr).toMatch(
			/^api=graphql db=nosql: cannot render tiny\/layers\/gql\/bad\.ts\.ejs:1: missing is not defined$/m,
		);
		expect(run.stderr).toMatch(/1 of 4 combinations of child failed to render/);
	});
});

describe("pack check --build (with a stand-in npm that records what it runs)", () => {
	/** What the tiny pack's projects need to be checked: declared in its pack.json, not known to the engine. */
	const check = {
		check: {
			scripts: ["typecheck", "test"],
			services: [{ name: "a MongoDB server", env: "MONGODB_URI", when: { db: "nosql" } }],
		},
	};
	/** A fake npm: logs its arguments; `npm test` in a nosql project fails the way the built-in pack's tests do. */
	const fakeNpm = (root: string) => {
		const bin = writeTree(path.join(root, "bin"), {
			npm: [
				"#!/bin/sh",
				'echo "$(basename "$PWD") $*" >> "$FAKE_NPM_LOG"',
				'if [ "$1 $2" = "run test" ] && grep -q \'"db": "nosql"\' package.json; then',
				'  echo "tests: no MongoDB is available at MONGODB_URI (connect ECONNREFUSED 127.0.0.1:27017)" >&2; exit 1',
				"fi",
				'if [ "$1 $2" = "run typecheck" ] && [ -n "$FAKE_TSC_ERROR" ] && grep -q \'"api": "graphql"\' package.json; then',
				'  echo "> tsc --noEmit"; echo "src/a.ts(1,7): error TS2322: Type \'number\' is not assignable"; exit 2',
				"fi",
				"",
			].join("\n"),
		});
		chmodSync(path.join(bin, "npm"), 0o755);
		// TMPDIR: the projects kept after a failure go below the test's own folder, removed after it.
		return { PATH: `${bin}:${process.env.PATH}`, FAKE_NPM_LOG: path.join(root, "npm.log"), TMPDIR: root };
	};

	it("installs, type-checks and tests each combination; a missing MongoDB fails plainly (exit 1)", () => {
		const root = tmp();
		const env = fakeNpm(root);
		tinyPack(path.join(root, "pack"), {}, check);
		const run = cli(["pack", "check", "./pack", "--build", "--jobs", "2"], root, env);
		expect(run.code).toBe(1);
		expect(run.stdout).toMatch(/Building 4 of 4 combinations of tiny \(npm install, typecheck, test\)/);
		expect(run.stdout).toMatch(/^◇ api=rest db=sql: ok \(install \d+ s, typecheck \d+ s, test \d+ s\)$/m);
		expect(run.stdout).toMatch(
			/^◇ api=rest db=nosql: FAILED \(test failed: needs a MongoDB server, none reachable here \(tests: no MongoDB is available/m,
		);
		expect(run.stderr).toMatch(/2 of 4 built combinations of tiny failed .*; projects and logs kept in /);
		const calls = readFileSync(env.FAKE_NPM_LOG, "utf8").trim().split("\n");
		expect(calls).toHaveLength(12);
		expect(calls.filter((c) => / install --no-audit/.test(c))).toHaveLength(4);
		expect(calls.filter((c) => / run typecheck$/.test(c))).toHaveLength(4);
	});

	it("--only builds the selected combinations and says how many it left out (exit 0)", () => {
		const root = tmp();
		const env = fakeNpm(root);
		tinyPack(path.join(root, "pack"), {}, check);
		const run = cli(["pack", "check", "./pack", "--build", "--only", "db=sql"], root, env);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/Rendered 4 combinations of tiny: no errors/);
		expect(run.stdout).toMatch(/Building 2 of 4 combinations .*; the 2 others are not built \(--only db=sql\)/);
		expect(run.stdout).toMatch(/Built 2 of 4 combinations of tiny: all passed npm install, typecheck, test/);
		expect(readFileSync(env.FAKE_NPM_LOG, "utf8").trim().split("\n")).toHaveLength(6);
	});

	it("a failed type-check is reported with tsc's first error, and the tests still run", () => {
		const root = tmp();
		const env = { ...fakeNpm(root), FAKE_TSC_ERROR: "1" };
		tinyPack(path.join(root, "pack"), {}, check);
		const run = cli(["pack", "check", "./pack", "--build", "--only", "db=sql"], root, env);
		expect(run.code).toBe(1);
		expect(run.stdout).toMatch(
			/^◇ api=graphql db=sql: FAILED \(typecheck failed: src\/a\.ts\(1,7\): error TS2322: Type 'number' is not assignable; log .*c2-typecheck\.log; ok: install \d+ s, test \d+ s\)$/m,
		);
		expect(run.stderr).toMatch(/1 of 2 built combinations of tiny failed/);
	});

	it("runs the scripts the pack declares, in its declared environment (check.scripts, check.env)", () => {
		const root = tmp();
		const env = { ...fakeNpm(root), LEAKED_TOKEN: "secret", KEPT: "yes" };
		writeTree(path.join(root, "bin"), {
			npm: '#!/bin/sh\necho "$(basename "$PWD") $* mode=$CHECK_MODE leaked=$LEAKED_TOKEN kept=$KEPT" >> "$FAKE_NPM_LOG"\n',
		});
		tinyPack(
			path.join(root, "pack"),
			{},
			{
				check: { scripts: ["build", "test"], env: { CHECK_MODE: "ci", "LEAKED_*": null } },
			},
		);
		const run = cli(["pack", "check", "./pack", "--build", "--only", "api=rest", "--only", "db=sql"], root, env);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/Building 1 of 4 combinations of tiny \(npm install, build, test\)/);
		expect(run.stdout).toMatch(/^◇ api=rest db=sql: ok \(install \d+ s, build \d+ s, test \d+ s\)$/m);
		expect(
			readFileSync(env.FAKE_NPM_LOG, "utf8")
				.trim()
				.split("\n")
				.map((l) => l.replace(/^c\d+ /, "")),
		).toEqual([
			"install --no-audit --no-fund --prefer-offline mode=ci leaked= kept=yes",
			"run build mode=ci leaked= kept=yes",
			"run test mode=ci leaked= kept=yes",
		]);
	});

	it("refuses --build for a pack that declares no check scripts (exit 2, nothing built)", () => {
		const root = tmp();
		const env = fakeNpm(root);
		tinyPack(path.join(root, "pack"));
		const run = cli(["pack", "check", "./pack", "--build"], root, env);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/tiny declares no check scripts .*"check": \{ "scripts"/);
		expect(existsSync(env.FAKE_NPM_LOG)).toBe(false);
	});

	it.each([
		[["--only", "colour=red"], /--only "colour=red": tiny has no option "colour"/],
		[["--only", "db=mongo"], /--only "db=mongo": choose from sql, nosql/],
		[["--only", "db="], /--only "db=": choose from sql, nosql/],
		[["--jobs", "0"], /--jobs: give a whole number, 1 or more/],
	])("refuses %j before building anything (exit 2)", (flags, message) => {
		const root = tmp();
		const env = fakeNpm(root);
		tinyPack(path.join(root, "pack"), {}, check);
		const run = cli(["pack", "check", "./pack", "--build", ...flags], root, env);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(message);
	});
});

describe("pack init", () => {
	it("writes a documented pack (an option, a layer adding a file, one replacing a file, package.json) that passes pack check", () => {
		const cwd = tmp();
		expect(cli(["pack", "init", "my-pack"], cwd).code).toBe(0);
		const manifest = JSON.parse(readFileSync(path.join(cwd, "my-pack/pack.json"), "utf8"));
		expect(manifest.extends).toBe("create-backend-starter");
		expect(manifest.options).toHaveLength(1);
		const run = cli(["pack", "check", "./my-pack"], cwd);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/Rendered 36 combinations of my-pack: no errors/);
		const app = cli(
			["app", "--pack", "./my-pack", "--example", "yes", "--yes", "--no-install", "--no-git", "--json"],
			cwd,
		);
		const files = JSON.parse(app.stdout).files as { path: string; layer: string }[];
		const from = (file: string) => files.find((f) => f.path === file)?.layer;
		expect(from("README.md")).toBe("my-pack/layers/house");
		expect(from("src/example.ts")).toBe("my-pack/layers/example");
		expect(from("package.json")).toMatch(/ \+ my-pack\/layers\/house$/);
	});
});

describe("the example pack (examples/acme-pack)", () => {
	const acme = path.join(ROOT, "examples", "acme-pack");

	it("passes pack check: 36 combinations (its observability option × the built-in ones' 18)", async () => {
		expect(await checkPack(acme)).toEqual({ pack: "acme-backend", combinations: 36, errors: [] });
	});

	it("replaces the README and CI workflow, adds CODEOWNERS; observability=otel adds tracing", async () => {
		const pack = await loadPack(acme);
		const otel = plan(pack, { api: "rest", db: "sql", dialect: "postgres", auth: "jwt", observability: "otel" });
		expect(otel["README.md"]?.layer).toBe("acme-backend/layers/acme");
		expect(text(otel, "README.md")).toMatch(/## Observability/);
		expect(otel[".github/workflows/ci.yml"]?.layer).toBe("acme-backend/layers/acme");
		expect(otel[".github/CODEOWNERS"]).toBeDefined();
		expect(otel["src/plugins/telemetry.ts"]?.layer).toBe("acme-backend/layers/otel");
		const pkg = JSON.parse(text(otel, "package.json") ?? "");
		expect(pkg.dependencies).toHaveProperty("@fastify/otel");
		expect(pkg.dependencies).toHaveProperty("fastify"); // the built-in pack's, merged
		// The built-in pack's start, unchanged: tracing is a plugin file, it adds no --import of its own.
		expect(pkg.scripts.start).toBe(
			"node --no-wasm-tier-up --no-wasm-dynamic-tiering --max-semi-space-size=16 --import ./scripts/preflight.mjs --import ./scripts/compile-cache.mjs dist/server.js",
		);
		expect(pkg.license).toBe("UNLICENSED");
		expect(text(otel, ".env.example")).toMatch(/\nOTEL_SERVICE_NAME=app\n$/);
		const none = plan(pack, { api: "graphql", db: "nosql", auth: "none", observability: "none" });
		expect(none["src/plugins/telemetry.ts"]).toBeUndefined();
		expect(text(none, "README.md")).not.toMatch(/Observability/);
		expect(JSON.parse(text(none, "package.json") ?? "").dependencies).not.toHaveProperty("@fastify/otel");
	});
});
