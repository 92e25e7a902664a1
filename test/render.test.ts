import { chmodSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPack } from "../src/packs.js";
import { mergeJson, outputPath, type PlannedFile, planFiles } from "../src/render.js";
import { tinyPack, tmp, writeTree } from "./helpers.js";

const context = (answers: Record<string, string> = { api: "rest", db: "sql" }, projectName = "my-app") => ({
	answers,
	projectName,
	stamp: { version: "0.0.0-test", answers },
});
const byPath = (plan: PlannedFile[]) => Object.fromEntries(plan.map((f) => [f.path, f]));
const text = (plan: PlannedFile[], file: string) => byPath(plan)[file]?.content.toString("utf8");

describe("planFiles", () => {
	it("renders .ejs files (suffix dropped), renames _dotfiles, applies only matching layers", async () => {
		const plan = planFiles(await loadPack(tinyPack(tmp())), context());
		expect(plan.map((f) => f.path)).toEqual([".env", ".env.example", ".gitignore", "package.json", "src/index.ts"]);
		expect(text(plan, "src/index.ts")).toBe("export const name = 'my-app'; // rest sql\n");
		expect(byPath(plan)["src/index.ts"]?.layer).toBe("tiny/layers/base");
	});

	it("merges package.json fragments, sets the name and stamps how the project was made", async () => {
		const plan = planFiles(await loadPack(tinyPack(tmp())), context({ api: "graphql", db: "sql" }, "@acme/api"));
		const pkg = JSON.parse(text(plan, "package.json") ?? "");
		expect(pkg).toEqual({
			name: "@acme/api",
			scripts: { dev: "node ." },
			dependencies: { a: "1", graphql: "16" },
			createBackendStarter: { version: "0.0.0-test", answers: { api: "graphql", db: "sql" } },
		});
		expect(byPath(plan)["package.json"]?.layer).toBe("tiny/layers/base + tiny/layers/gql");
		expect(plan.map((f) => f.path)).toContain("src/schema.graphql");
	});

	it("appends .env.example fragments in layer order and writes .env with mode 0600 and a fresh secret", async () => {
		const pack = await loadPack(tinyPack(tmp()));
		const plan = planFiles(pack, context({ api: "graphql", db: "sql" }));
		expect(text(plan, ".env.example")).toBe("SECRET=change-me\nGRAPHQL=1\n");
		expect(byPath(plan)[".env"]?.mode).toBe(0o600);
		expect(text(plan, ".env")).toMatch(/^SECRET=[A-Za-z0-9_-]{43}\n$/);
		expect(text(planFiles(pack, context({ api: "graphql", db: "sql" })), ".env")).not.toBe(text(plan, ".env"));
	});

	it("is deterministic: the same answers give the same files apart from .env", async () => {
		const pack = await loadPack(tinyPack(tmp()));
		const strip = (plan: PlannedFile[]) => plan.filter((f) => f.path !== ".env");
		expect(strip(planFiles(pack, context()))).toEqual(strip(planFiles(pack, context())));
	});

	it("does not HTML-escape <%= %> and copies files without .ejs byte for byte", async () => {
		const binary = Buffer.from([0, 255, 60, 37, 61, 10]);
		const dir = tinyPack(tmp(), {
			"layers/base/q.ts.ejs": `const s = "<%= "a'b\\"<c>&" %>";\n`,
			"layers/base/raw.ts": "const t = '<%= not rendered %>';\n",
			"layers/base/blob.bin": binary,
		});
		const plan = planFiles(await loadPack(dir), context());
		expect(text(plan, "q.ts")).toBe(`const s = "a'b"<c>&";\n`);
		expect(text(plan, "raw.ts")).toBe("const t = '<%= not rendered %>';\n");
		expect(byPath(plan)["blob.bin"]?.content.equals(binary)).toBe(true);
	});

	it("resolves EJS includes from the pack root (partials are never emitted)", async () => {
		const dir = tinyPack(tmp(), {
			"partials/hello.ejs": "hello <%= who %>",
			"layers/base/greet.txt.ejs": "<%- include('/partials/hello.ejs', { who: projectName }) %>\n",
		});
		const plan = planFiles(await loadPack(dir), context());
		expect(text(plan, "greet.txt")).toBe("hello my-app\n");
		expect(plan.some((f) => f.path.includes("partials"))).toBe(false);
	});

	it("keeps the executable bit of a pack file", async () => {
		const dir = tinyPack(tmp(), { "layers/base/run.sh": "#!/bin/sh\n" });
		chmodSync(path.join(dir, "layers/base/run.sh"), 0o755);
		expect(byPath(planFiles(await loadPack(dir), context()))["run.sh"]?.mode).toBe(0o755);
	});

	it("treats user data as data (SEC-19): EJS tags in a name or answer are written literally, never run", async () => {
		const evil = "<%= process.exit(7) %><%- global.process.mainModule %>";
		const dir = tinyPack(
			tmp(),
			{},
			{
				options: [
					{ name: "api", message: "?", choices: [evil, "rest"], default: "rest" },
					{ name: "db", message: "?", choices: ["sql"], default: "sql" },
				],
				layers: [{ dir: "layers/base" }],
			},
		);
		const plan = planFiles(await loadPack(dir), context({ api: evil, db: "sql" }, evil));
		expect(text(plan, "src/index.ts")).toBe(`export const name = '${evil}'; // ${evil} sql\n`);
		expect(JSON.parse(text(plan, "package.json") ?? "").name).toBe(evil);
	});

	it("ignores answers that try to reach EJS options (outputFunctionName, __proto__)", async () => {
		const pack = await loadPack(tinyPack(tmp()));
		const answers = JSON.parse(
			'{"api":"rest","db":"sql","__proto__":{"outputFunctionName":"x;process.exit(7);//"},"settings":{"view options":{"outputFunctionName":"x;process.exit(7);//"}}}',
		);
		const plan = planFiles(pack, context(answers));
		expect(text(plan, "src/index.ts")).toContain("// rest sql");
		expect(({} as Record<string, unknown>).outputFunctionName).toBeUndefined();
	});

	it("names the layer and file when a template fails to render", async () => {
		const dir = tinyPack(tmp(), { "layers/base/bad.ts.ejs": "<%= nope.x %>" });
		await expect(loadPack(dir).then((p) => planFiles(p, context()))).rejects.toThrow(
			/^cannot render tiny\/layers\/base\/bad\.ts\.ejs:1: nope is not defined$/,
		);
	});

	it("refuses symlinks (file or folder) leading out of the pack, naming the file", async () => {
		const outside = writeTree(tmp(), { "secret.txt": "s" });
		for (const link of [path.join(outside, "secret.txt"), outside, "/etc"]) {
			const dir = tinyPack(tmp(), { "layers/base/link": { symlink: link } });
			await expect(loadPack(dir).then((p) => planFiles(p, context()))).rejects.toThrow(
				/tiny\/layers\/base\/link is a symlink leading outside the pack/,
			);
		}
	});

	it("follows a symlink that stays inside the pack, copying content", async () => {
		const dir = tinyPack(tmp(), { "shared/x.txt": "x\n", "layers/base/x.txt": { symlink: "../../shared/x.txt" } });
		expect(text(planFiles(await loadPack(dir), context()), "x.txt")).toBe("x\n");
	});

	it("refuses paths that differ only in case", async () => {
		const dir = tinyPack(tmp(), { "layers/base/README.md": "a", "layers/gql/readme.md": "b" });
		await expect(loadPack(dir).then((p) => planFiles(p, context({ api: "graphql", db: "sql" })))).rejects.toThrow(
			/"readme\.md" and "README\.md" differ only in case/,
		);
	});

	it("refuses paths that differ only in Unicode normalisation (NFC vs NFD)", async () => {
		const dir = tinyPack(tmp(), { "layers/base/caf\u00e9.ts": "a", "layers/gql/cafe\u0301.ts": "b" });
		await expect(loadPack(dir).then((p) => planFiles(p, context({ api: "graphql", db: "sql" })))).rejects.toThrow(
			/differ only in case/,
		);
	});

	it.each([
		[
			"a file, then a folder of that name",
			{ "layers/base/docs": "a", "layers/gql/docs/guide.md": "b" },
			/^invalid pack: "docs" is a file in tiny\/layers\/base and a folder in tiny\/layers\/gql$/,
		],
		[
			"a folder, then a file of that name",
			{ "layers/base/docs/guide.md": "a", "layers/gql/docs": "b" },
			/^invalid pack: "docs" is a folder in tiny\/layers\/base and a file in tiny\/layers\/gql$/,
		],
		[
			"a file, then a folder differing in case",
			{ "layers/base/Docs": "a", "layers/gql/docs/guide.md": "b" },
			/"docs" and "Docs" differ only in case or Unicode form/,
		],
		[
			"folders differing in Unicode form",
			{ "layers/base/caf\u00e9/a.md": "a", "layers/gql/cafe\u0301/b.md": "b" },
			/differ only in case or Unicode form/,
		],
	])("refuses paths that collide on some file systems: %s", async (_, files, message) => {
		const dir = tinyPack(tmp(), files);
		await expect(loadPack(dir).then((p) => planFiles(p, context({ api: "graphql", db: "sql" })))).rejects.toThrow(
			message,
		);
		// Without the later layer there is no collision.
		await expect(loadPack(dir).then((p) => planFiles(p, context()))).resolves.toBeDefined();
	});

	it("appends and protects the files the pack declares (appendFiles, privateFiles)", async () => {
		const dir = tinyPack(
			tmp(),
			{
				"layers/base/NOTES.md": "base\n",
				"layers/gql/NOTES.md.ejs": "<%= api %>\n",
				"layers/gql/secrets.txt": "s\n",
			},
			{ appendFiles: [".env.example", "NOTES.md"], privateFiles: ["secrets.txt"] },
		);
		const plan = planFiles(await loadPack(dir), context({ api: "graphql", db: "sql" }));
		expect(text(plan, "NOTES.md")).toBe("base\ngraphql\n");
		expect(byPath(plan)["NOTES.md"]?.layer).toBe("tiny/layers/base + tiny/layers/gql");
		expect(byPath(plan)["secrets.txt"]?.mode).toBe(0o600);
		expect(text(plan, ".env.example")).toBe("SECRET=change-me\nGRAPHQL=1\n");
		// A declared list replaces the schema's default ([".env"] here): .env is then an ordinary file.
		expect(byPath(plan)[".env"]?.mode).toBe(0o644);
	});

	it("by default appends .env and .env.example fragments and writes .env with mode 0600 (the schema's defaults)", async () => {
		const pack = await loadPack(tinyPack(tmp()));
		expect([pack.appendFiles, pack.privateFiles]).toEqual([[".env", ".env.example"], [".env"]]);
	});

	it("refuses a pack larger than the limits before reading its content (a sparse 300 MiB file)", async () => {
		const dir = tinyPack(tmp());
		writeFileSync(path.join(dir, "layers/base/huge.bin"), "");
		truncateSync(path.join(dir, "layers/base/huge.bin"), 300 * 2 ** 20);
		await expect(loadPack(dir).then((p) => planFiles(p, context()))).rejects.toThrow(
			/larger than 20000 files or 256 MiB/,
		);
	});

	it("refuses a package.json fragment that is not a JSON object", async () => {
		const dir = tinyPack(tmp(), { "layers/base/package.json": "[1]" });
		await expect(loadPack(dir).then((p) => planFiles(p, context()))).rejects.toThrow(
			/tiny\/layers\/base\/package\.json is not a JSON object/,
		);
	});
});

describe("outputPath", () => {
	it.each([
		["_gitignore", ".gitignore"],
		["_github/workflows/ci.yml", ".github/workflows/ci.yml"],
		["__tests__/a.ts", "__tests__/a.ts"],
		["src/_env.example.ejs", "src/.env.example"],
		["a_b/_c", "a_b/.c"],
	])("%s → %s", (rel, expected) => expect(outputPath(rel, { label: "l" })).toBe(expected));

	it.each(["../x", "a/../../x", "a\\..\\x", "C:x", "a\u0000b", "a\nb", "a//b"])("refuses %j, naming it", (rel) => {
		expect(() => outputPath(rel, { label: "p/l" })).toThrow(/invalid pack: p\/l\/.* is not a safe file name/);
	});
});

describe("mergeJson", () => {
	it("merges objects key by key, replaces arrays, and never touches the prototype", () => {
		const merged = mergeJson(
			{ a: { x: 1, y: [1] }, b: 1 },
			JSON.parse('{"a":{"y":[2],"z":3},"__proto__":{"polluted":1}}'),
		);
		expect(merged).toEqual({ a: { x: 1, y: [2], z: 3 }, b: 1 });
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});
