import prompts from "prompts";
import { describe, expect, it } from "vitest";
import { detectPackageManager } from "../src/install.js";
import { resolveAnswers, resolveTarget } from "../src/options.js";
import type { PackOption } from "../src/packs.js";
import { askOnTerminal } from "../src/prompts.js";

const options: PackOption[] = [
	{ name: "api", message: "API?", choices: ["rest", "graphql"], default: "rest" },
	{ name: "db", message: "DB?", choices: ["sql", "nosql"], default: "sql" },
	{ name: "auth", message: "Auth?", choices: ["jwt", "none"], default: "jwt" },
];

describe("resolveAnswers: defaults < preset < flags < answers", () => {
	it("takes defaults when nothing is given and nobody is asked", async () => {
		expect(await resolveAnswers(options, {})).toEqual({ api: "rest", db: "sql", auth: "jwt" });
	});

	it("lets a preset beat defaults and flags beat the preset", async () => {
		const answers = await resolveAnswers(options, { preset: { api: "graphql", db: "nosql" }, flags: { db: "sql" } });
		expect(answers).toEqual({ api: "graphql", db: "sql", auth: "jwt" });
	});

	it("asks (prompts.inject) only for options nothing else set, and the answers win over defaults", async () => {
		const asked: string[] = [];
		prompts.inject(["none"]);
		const answers = await resolveAnswers(options, {
			preset: { api: "graphql" },
			flags: { db: "nosql" },
			ask: (questions) => {
				asked.push(...questions.map((q) => q.name));
				return askOnTerminal(questions);
			},
		});
		expect(asked).toEqual(["auth"]);
		expect(answers).toEqual({ api: "graphql", db: "nosql", auth: "none" });
	});

	it.each([
		[{ preset: { dbb: "sql" } }, /preset: unknown option "dbb"; the pack's options are api, db, auth/],
		[{ preset: { db: "oracle" } }, /preset: db must be one of sql, nosql \(got "oracle"\)/],
		[{ flags: { api: "soap" } }, /flag: api must be one of rest, graphql/],
		[{ preset: JSON.parse('{"__proto__":{"x":1}}') }, /unknown option "__proto__"/],
	])("refuses %j naming the valid values", async (sources, message) => {
		await expect(resolveAnswers(options, sources)).rejects.toThrow(message);
	});
});

describe("resolveTarget (SEC-01..06)", () => {
	const cwd = "/work/here";

	it.each([
		["my-api", "/work/here/my-api", "my-api"],
		["apps/my-api", "/work/here/apps/my-api", "my-api"],
		["@acme/api", "/work/here/api", "@acme/api"],
		["/srv/projects/api", "/srv/projects/api", "api"], // an absolute directory is the user's explicit choice
		[".", "/work/here", "here"], // the current folder: allowed, then it must be empty (or --force)
		["foo/./bar", "/work/here/foo/bar", "bar"],
	])("%s → %s named %s", (directory, dir, name) => {
		expect(resolveTarget(directory, undefined, cwd)).toEqual({ dir, name });
	});

	it("takes the name from --name when given", () => {
		expect(resolveTarget("api", "@acme/api", cwd)).toEqual({ dir: "/work/here/api", name: "@acme/api" });
	});

	it.each([
		["", /the project directory is empty/],
		[" lead", /invalid project name/],
		["MyApp", /name can no longer contain capital letters/],
		[".hidden", /name cannot start with a period/],
		["_under", /name cannot start with an underscore/],
		["a b", /URL-friendly/],
		["crazy!", /special characters/],
		["a".repeat(215), /name can no longer contain more than 214 characters/],
		["node_modules", /node_modules is not a valid package name|blocked/],
		["fs", /core module/],
		["http", /core module/],
		["@scope/", /invalid project name/],
		["@a/b/c", /invalid project name/],
		["con", /reserved device name on Windows/],
		["LPT9", /invalid project name/],
		["aux.js", /reserved device name/],
		["-rf", /cannot start with a hyphen/],
		["--help", /cannot start with a hyphen/],
		["café", /URL-friendly/],
		["\u202eevil", /URL-friendly/],
		["\x1b[31mred", /invalid project name "\\u001b\[31mred"/],
		["../evil", /leads outside the current folder/],
		["../../tmp/evil", /leads outside the current folder/],
		["a/../../b", /leads outside the current folder/],
		["..", /leads outside the current folder/],
		["foo/..", /leads outside the current folder/],
		["..\\evil", /leads outside the current folder/],
		["%2e%2e%2fevil", /URL-friendly/],
		["~/x", /starts with "~"/],
		["/", /invalid project name|root of the file system/],
		["@acme/../x", /leads outside|invalid project name/],
		["@../x", /leads outside|invalid project name/],
		["@acme/.x", /invalid project name/],
	])("refuses %j", (directory, message) => {
		expect(() => resolveTarget(directory, undefined, cwd)).toThrow(message);
	});
});

describe("detectPackageManager", () => {
	it.each([
		["pnpm/9.1.0 npm/? node/v24.1.0 linux x64", "pnpm"],
		["yarn/4.1.0 npm/? node/v24.1.0", "yarn"],
		["bun/1.1.0 npm/? node/v24.1.0", "bun"],
		["npm/11.0.0 node/v24.1.0", "npm"],
		["", "npm"],
		["deno/2.0", "npm"],
	])("%j → %s", (agent, pm) => expect(detectPackageManager(agent)).toBe(pm));
});
