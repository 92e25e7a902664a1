import { describe, expect, it } from "vitest";
import { type MergeInput, mergeProject, mergeText } from "../src/merge.js";
import { mergePackageJson } from "../src/merge-json.js";

const files = (tree: Record<string, string>) =>
	new Map(Object.entries(tree).map(([path, text]) => [path, { content: Buffer.from(text), mode: 0o644 }]));

/** One merge over three trees; a path missing from `ours` is a file absent from the disk. */
function merge(base: Record<string, string>, theirs: Record<string, string>, ours: Record<string, string>) {
	const paths = new Set([...Object.keys(base), ...Object.keys(theirs)]);
	const input: MergeInput = {
		base: files(base),
		theirs: files(theirs),
		ours: new Map([...paths].map((p) => [p, ours[p] === undefined ? undefined : Buffer.from(ours[p])])),
		privateFiles: [".env"],
		theirsLabel: "pack 2.0.0",
	};
	const plan = mergeProject(input);
	const byPath = Object.fromEntries(plan.files.map((f) => [f.path, f]));
	return { plan, byPath, text: (p: string) => byPath[p]?.content?.toString() };
}

describe("three-way merge, per file", () => {
	it("replaces a file the user left untouched", () => {
		const { byPath, text } = merge({ "a.ts": "one\n" }, { "a.ts": "two\n" }, { "a.ts": "one\n" });
		expect(byPath["a.ts"]?.action).toBe("updated");
		expect(text("a.ts")).toBe("two\n");
	});

	it("leaves alone a file the new version did not change, edited or not", () => {
		const { byPath } = merge(
			{ "a.ts": "one\n", "b.ts": "b\n" },
			{ "a.ts": "one\n", "b.ts": "b\n" },
			{ "a.ts": "mine\n", "b.ts": "b\n" },
		);
		expect(byPath["a.ts"]).toMatchObject({ action: "unchanged", note: "changed by you" });
		expect(byPath["b.ts"]?.action).toBe("unchanged");
		expect(byPath["a.ts"]?.content).toBeUndefined();
	});

	it("calls a file unchanged when the user already made the new version's change", () => {
		const { byPath } = merge({ "a.ts": "one\n" }, { "a.ts": "two\n" }, { "a.ts": "two\n" });
		expect(byPath["a.ts"]?.action).toBe("unchanged");
	});

	it("merges changes of both sides that do not touch", () => {
		const base = "a\nb\nc\nd\ne\n";
		const { byPath, text } = merge({ f: base }, { f: "a\nB\nc\nd\ne\n" }, { f: "a\nb\nc\nd\nE\n" });
		expect(byPath.f?.action).toBe("merged");
		expect(text("f")).toBe("a\nB\nc\nd\nE\n");
	});

	it("marks a clash git-style and reports it as a conflict", () => {
		const { plan, byPath, text } = merge({ f: "a\nb\nc\n" }, { f: "a\nnew\nc\n" }, { f: "a\nmine\nc\n" });
		expect(byPath.f?.action).toBe("conflict");
		expect(text("f")).toBe("a\n<<<<<<< yours\nmine\n=======\nnew\n>>>>>>> pack 2.0.0\nc\n");
		expect(plan.conflicts).toEqual([{ path: "f", message: "1 conflicting hunk marked" }]);
	});

	it("keeps the markers on their own lines when a clash is at a file's end without a newline", () => {
		const merged = mergeText(Buffer.from("x\ny"), Buffer.from("x\nmine"), Buffer.from("x\nnew"), "p");
		expect(merged?.content.toString()).toBe("x\n<<<<<<< yours\nmine\n=======\nnew\n>>>>>>> p\n");
		expect(merged?.conflicts).toBe(1);
	});

	it("treats both sides' identical change as no conflict", () => {
		const { byPath } = merge({ f: "a\nb\nx\ny\nq\n" }, { f: "a\nc\nx\ny\nQ\n" }, { f: "a\nc\nx\ny\nq\n" });
		expect(byPath.f?.action).toBe("merged");
		expect(byPath.f?.content?.toString()).toBe("a\nc\nx\ny\nQ\n");
	});

	it("reports a binary file changed by both as a conflict and writes nothing over it", () => {
		const bin = (n: number) => Buffer.from([0, 1, 2, n]).toString("latin1");
		const { byPath } = merge({ "x.png": bin(1) }, { "x.png": bin(2) }, { "x.png": bin(3) });
		expect(byPath["x.png"]?.action).toBe("conflict");
		expect(byPath["x.png"]?.content).toBeUndefined();
	});

	it("deletes a file the new version drops only when the user left it untouched", () => {
		const { byPath } = merge({ "old.ts": "x\n", "edited.ts": "y\n" }, {}, { "old.ts": "x\n", "edited.ts": "y2\n" });
		expect(byPath["old.ts"]?.action).toBe("deleted");
		expect(byPath["edited.ts"]).toMatchObject({ action: "kept" });
		expect(byPath["edited.ts"]?.note).toContain("no longer has it");
	});

	it("keeps a file the user deleted deleted, even when the new version changed it", () => {
		const { byPath, plan } = merge({ a: "1\n", b: "1\n" }, { a: "2\n", b: "1\n" }, {});
		expect(byPath.a).toMatchObject({ action: "kept" });
		expect(byPath.a?.content).toBeUndefined();
		expect(byPath.b?.action).toBe("unchanged");
		expect(plan.conflicts).toEqual([]);
	});

	it("adds a file the new version brings", () => {
		const { byPath, text } = merge({}, { "new.ts": "n\n" }, {});
		expect(byPath["new.ts"]?.action).toBe("added");
		expect(text("new.ts")).toBe("n\n");
	});

	it("merges a new file with one the user made at the same path, marking what differs", () => {
		const { byPath } = merge({}, { "n.ts": "theirs\n" }, { "n.ts": "mine\n" });
		expect(byPath["n.ts"]?.action).toBe("conflict");
	});

	it("never overwrites .env: appends only the variables it lacks, with the new render's (fresh) values", () => {
		const { byPath, text } = merge(
			{ ".env": "A=base\n" },
			{ ".env": "# comment\nA=theirs\nJWT_SECRET=fresh\n" },
			{ ".env": "A=mine\nexport B=2" },
		);
		expect(byPath[".env"]).toMatchObject({ action: "merged", note: "appended JWT_SECRET" });
		expect(text(".env")).toBe("A=mine\nexport B=2\nJWT_SECRET=fresh\n");
	});

	it("leaves .env alone when it has every variable, and adds it when the project has none", () => {
		expect(merge({ ".env": "A=1\n" }, { ".env": "A=2\n" }, { ".env": "A=3\n" }).byPath[".env"]?.action).toBe(
			"unchanged",
		);
		expect(merge({}, { ".env": "A=2\n" }, {}).byPath[".env"]?.action).toBe("added");
	});
});

describe("package.json, key by key", () => {
	const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
	const run = (base: unknown, ours: unknown, theirs: unknown) => {
		const result = mergePackageJson(json(base), json(ours), json(theirs));
		return {
			value: JSON.parse(result.content.toString()),
			conflicts: result.conflicts,
			text: result.content.toString(),
		};
	};

	it("keeps the user's dependencies and scripts and brings in the new version's", () => {
		const { value, conflicts } = run(
			{ scripts: { dev: "a" }, dependencies: { fastify: "5.0.0", old: "1" } },
			{ scripts: { dev: "a", seed: "node seed.js" }, dependencies: { fastify: "5.0.0", old: "1", zod: "3" } },
			{ scripts: { dev: "a", lint: "biome" }, dependencies: { fastify: "5.1.0", "@fastify/cors": "11" } },
		);
		expect(conflicts).toEqual([]);
		expect(value.scripts).toEqual({ dev: "a", seed: "node seed.js", lint: "biome" });
		// The dropped dependency goes, the user's stays, the changed one moves; sorted as npm sorts them.
		expect(Object.entries(value.dependencies)).toEqual([
			["@fastify/cors", "11"],
			["fastify", "5.1.0"],
			["zod", "3"],
		]);
	});

	it("reports a key both changed differently and keeps the user's value, without markers", () => {
		const { value, conflicts, text } = run(
			{ scripts: { test: "vitest run" } },
			{ scripts: { test: "vitest run --coverage" } },
			{ scripts: { test: "vitest run --bail 1" } },
		);
		expect(conflicts).toEqual(['scripts.test (yours "vitest run --coverage", new "vitest run --bail 1")']);
		expect(value.scripts.test).toBe("vitest run --coverage");
		expect(text).not.toContain("<<<<<<<");
	});

	it("moves the record to the new version whatever happened to it", () => {
		const { value } = run(
			{ createBackendStarter: { version: "1" } },
			{ createBackendStarter: { version: "edited" } },
			{ createBackendStarter: { version: "2" } },
		);
		expect(value.createBackendStarter).toEqual({ version: "2" });
	});

	it("keeps the user's key order and indentation", () => {
		const ours = Buffer.from('{\n\t"version": "1.0.0",\n\t"name": "x"\n}\n');
		const result = mergePackageJson(Buffer.from('{"name":"x"}'), ours, Buffer.from('{"name":"x","type":"module"}'));
		expect(result.content.toString()).toBe('{\n\t"version": "1.0.0",\n\t"name": "x",\n\t"type": "module"\n}\n');
	});

	it("does not merge into a package.json that is not JSON: a conflict, the file untouched", () => {
		const ours = Buffer.from("{ broken");
		const result = mergePackageJson(json({}), ours, json({ a: 1 }));
		expect(result.content).toBe(ours);
		expect(result.conflicts[0]).toContain("not a JSON object");
	});

	it("reaches mergeProject: a clashing key is a conflict of package.json", () => {
		const { byPath, plan } = merge(
			{ "package.json": '{"scripts":{"test":"a"}}' },
			{ "package.json": '{"scripts":{"test":"b"}}' },
			{ "package.json": '{"scripts":{"test":"c"}}' },
		);
		expect(byPath["package.json"]?.action).toBe("conflict");
		expect(plan.conflicts[0]?.message).toContain("scripts.test");
	});
});
