import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPack, matchesWhen } from "../src/packs.js";
import { ROOT, tinyPack, tmp, writeTree } from "./helpers.js";

const pack = (extra: Record<string, unknown>) => JSON.stringify({ name: "p", layers: [], ...extra });

describe("loadPack", () => {
	it("loads a pack folder with its options, layers (with provenance) and next steps", async () => {
		const dir = tinyPack(tmp());
		const loaded = await loadPack(dir);
		expect(loaded.name).toBe("tiny");
		expect(loaded.options.map((o) => o.name)).toEqual(["api", "db"]);
		expect(loaded.layers.map((l) => l.label)).toEqual(["tiny/layers/base", "tiny/layers/gql"]);
		expect(loaded.nextSteps).toEqual(["dev"]);
	});

	it.each([
		["missing manifest", {}, /pack\.json: missing/],
		["invalid JSON", { "pack.json": "{ nope" }, /pack\.json: .*JSON/],
		["missing required key", { "pack.json": JSON.stringify({ layers: [] }) }, /must have required property 'name'/],
		["unknown top-level key", { "pack.json": pack({ schemaVersion: 2 }) }, /unknown key "schemaVersion"/],
		[
			"option without choices",
			{ "pack.json": pack({ options: [{ name: "x", message: "?", default: "a" }] }) },
			/\/options\/0: must have required property 'choices'/,
		],
		[
			"default outside choices",
			{ "pack.json": pack({ options: [{ name: "x", message: "?", choices: ["a"], default: "b" }] }) },
			/\/options\/0\/default: "b" is not one of a/,
		],
		[
			"reserved option name",
			{ "pack.json": pack({ options: [{ name: "force", message: "?", choices: ["a"], default: "a" }] }) },
			/"force" is reserved/,
		],
		[
			"missing layer folder",
			{ "pack.json": pack({ layers: [{ dir: "nope" }] }) },
			/\/layers\/0\/dir: folder "nope" does not exist/,
		],
		[
			"layer outside the pack",
			{ "pack.json": pack({ layers: [{ dir: ".." }] }) },
			/\/layers\/0\/dir: "\.\." leads outside the pack/,
		],
		["absolute layer dir", { "pack.json": pack({ layers: [{ dir: "/etc" }] }) }, /leads outside the pack/],
		[
			"when naming an unknown option",
			{ "pack.json": pack({ layers: [{ dir: "l", when: { nope: "x" } }] }), "l/a": "" },
			/\/layers\/0\/when: unknown option "nope"/,
		],
		[
			"when value outside choices",
			{
				"pack.json": pack({
					options: [{ name: "x", message: "?", choices: ["a"], default: "a" }],
					layers: [{ dir: "l", when: { x: "b" } }],
				}),
				"l/a": "",
			},
			/when\/x: "b" is not one of a/,
		],
	])("refuses a manifest with %s, naming the key", async (_, tree, message) => {
		const dir = writeTree(tmp(), tree);
		await expect(loadPack(dir)).rejects.toThrow(message);
	});

	it("accepts a manifest with a UTF-8 BOM", async () => {
		const dir = writeTree(tmp(), { "pack.json": `\uFEFF${pack({})}` });
		await expect(loadPack(dir)).resolves.toMatchObject({ name: "p" });
	});

	it("refuses a layer folder that is a symlink leading out of the pack", async () => {
		const outside = tmp();
		const dir = writeTree(tmp(), { "pack.json": pack({ layers: [{ dir: "l" }] }), l: { symlink: outside } });
		await expect(loadPack(dir)).rejects.toThrow(/\/layers\/0\/dir: "l" leads outside the pack/);
	});

	it("folds in a parent given by relative path: parent options and layers first, child overrides by name", async () => {
		const root = tmp();
		tinyPack(path.join(root, "parent"));
		writeTree(path.join(root, "child"), {
			"pack.json": JSON.stringify({
				name: "child",
				extends: "../parent",
				options: [
					{ name: "db", message: "Which DB?", choices: ["sql", "nosql", "none"], default: "none" },
					{ name: "otel", message: "OTel?", choices: ["no", "yes"], default: "no" },
				],
				layers: [{ dir: "layers/otel", when: { otel: "yes", api: ["rest", "graphql"] } }],
			}),
			"layers/otel/otel.ts": "",
		});
		const loaded = await loadPack(path.join(root, "child"));
		expect(loaded.options.map((o) => `${o.name}=${o.default}`)).toEqual(["api=rest", "db=none", "otel=no"]);
		expect(loaded.layers.map((l) => l.label)).toEqual(["tiny/layers/base", "tiny/layers/gql", "child/layers/otel"]);
		expect(loaded.chain).toEqual(["tiny", "child"]);
	});

	it("resolves an npm package from node_modules of the current folder or above", async () => {
		const root = tmp();
		tinyPack(path.join(root, "node_modules", "@acme", "pack"));
		mkdirSync(path.join(root, "deep", "er"), { recursive: true });
		await expect(loadPack("@acme/pack", path.join(root, "deep", "er"))).resolves.toMatchObject({
			name: "tiny",
			ref: "@acme/pack",
		});
		writeTree(path.join(root, "child"), { "pack.json": pack({ extends: "@acme/pack" }) });
		await expect(loadPack(path.join(root, "child"))).resolves.toMatchObject({ chain: ["tiny", "p"] });
	});

	it("reports a missing parent and an extends cycle clearly", async () => {
		const root = tmp();
		writeTree(root, { "a/pack.json": pack({ extends: "../b" }), "b/pack.json": pack({ extends: "../a" }) });
		await expect(loadPack(path.join(root, "a"))).rejects.toThrow(/"extends" forms a cycle: .*a → .*b → .*a/);
		writeTree(root, { "c/pack.json": pack({ extends: "no-such-pack-anywhere" }) });
		await expect(loadPack(path.join(root, "c"))).rejects.toThrow(/pack "no-such-pack-anywhere" not found/);
	});

	it.skipIf(!existsSync(path.join(ROOT, "templates", "backend", "pack.json")))(
		"loads the built-in pack (templates/) by name",
		async () => {
			const builtIn = await loadPack("create-backend-starter");
			expect(builtIn.options.map((o) => o.name)).toEqual(expect.arrayContaining(["api", "db", "auth"]));
		},
	);
});

describe("matchesWhen", () => {
	it.each([
		[undefined, true],
		[{}, true],
		[{ api: "rest" }, true],
		[{ api: "graphql" }, false],
		[{ api: ["graphql", "rest"] }, true],
		[{ api: "rest", db: "nosql" }, false],
		[{ api: "rest", db: ["sql"] }, true],
	])("%j → %s for api=rest db=sql", (when, expected) => {
		expect(matchesWhen(when, { api: "rest", db: "sql" })).toBe(expected);
	});
});
