// Options with `when`: asked, accepted as a flag and given a value only when the earlier answers match it.
// Unit tests of the rules, then the CLI as a script sees it (flags, presets, --json, --help, pack check), then a
// real terminal (a tmux pane) that must not be asked a question that does not apply.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkPack, loadPack } from "../src/index.js";
import { resolveAnswers } from "../src/options.js";
import { combinationsOf } from "../src/pack-check.js";
import type { PackOption } from "../src/packs.js";
import { BIN, cli, snapshot, tinyPack, tmp } from "./helpers.js";

const options: PackOption[] = [
	{ name: "api", message: "API?", choices: ["rest", "graphql"], default: "rest" },
	{ name: "db", message: "DB?", choices: ["sql", "nosql"], default: "sql" },
	{ name: "dialect", message: "Dialect?", choices: ["postgres", "mysql"], default: "postgres", when: { db: "sql" } },
	{ name: "auth", message: "Auth?", choices: ["jwt", "none"], default: "jwt" },
];

/** The tiny pack with a dialect option under db=sql and a layer for mysql only. */
function dialectPack(root: string): string {
	return tinyPack(
		root,
		{ "layers/mysql/src/db.ts.ejs": "export const dialect = '<%= dialect %>';\n" },
		{
			options: [
				{ name: "api", message: "API?", choices: ["rest", "graphql"], default: "rest" },
				{ name: "db", message: "DB?", choices: ["sql", "nosql"], default: "sql" },
				{
					name: "dialect",
					message: "SQL dialect?",
					choices: ["postgres", "mysql"],
					default: "postgres",
					when: { db: "sql" },
				},
			],
			layers: [
				{ dir: "layers/base" },
				{ dir: "layers/gql", when: { api: "graphql" } },
				{ dir: "layers/mysql", when: { dialect: "mysql" } },
			],
		},
	);
}

describe("resolveAnswers with conditional options", () => {
	it("gives the option a value (its default) when the condition holds, none when it does not", async () => {
		expect(await resolveAnswers(options, {})).toEqual({ api: "rest", db: "sql", dialect: "postgres", auth: "jwt" });
		expect(await resolveAnswers(options, { flags: { db: "nosql" } })).toEqual({
			api: "rest",
			db: "nosql",
			auth: "jwt",
		});
	});

	it("asks the question only when the answers before it match, in order", async () => {
		const asked: string[] = [];
		const reply: Record<string, string> = { api: "rest", db: "nosql", auth: "none" };
		const answers = await resolveAnswers(options, {
			ask: async (questions) => {
				asked.push(...questions.map((q) => q.name));
				return Object.fromEntries(questions.map((q) => [q.name, reply[q.name] ?? ""]));
			},
		});
		expect(asked).toEqual(["api", "db", "auth"]);
		expect(answers).toEqual({ api: "rest", db: "nosql", auth: "none" });

		asked.length = 0;
		reply.db = "sql";
		reply.dialect = "mysql";
		await resolveAnswers(options, {
			ask: async (questions) => {
				asked.push(...questions.map((q) => q.name));
				return Object.fromEntries(questions.map((q) => [q.name, reply[q.name] ?? ""]));
			},
		});
		expect(asked).toEqual(["api", "db", "dialect", "auth"]);
	});

	it("a flag given when its condition does not hold names the condition", async () => {
		await expect(resolveAnswers(options, { flags: { db: "nosql", dialect: "mysql" } })).rejects.toThrow(
			/^--dialect applies only with --db sql$/,
		);
	});

	it("so does a preset entry, even when the flag that overrides the preset made it inapplicable", async () => {
		await expect(resolveAnswers(options, { preset: { db: "nosql", dialect: "mysql" } })).rejects.toThrow(
			/^preset: "dialect" applies only with "db": "sql"$/,
		);
		await expect(resolveAnswers(options, { preset: { dialect: "mysql" }, flags: { db: "nosql" } })).rejects.toThrow(
			/preset: "dialect" applies only with "db": "sql"/,
		);
	});

	it("names every value and every option of a condition", async () => {
		const more: PackOption[] = [
			...options,
			{
				name: "queue",
				message: "Q?",
				choices: ["no", "yes"],
				default: "no",
				when: { api: ["rest", "graphql"], auth: "jwt" },
			},
		];
		await expect(resolveAnswers(more, { flags: { auth: "none", queue: "yes" } })).rejects.toThrow(
			"--queue applies only with --api rest or graphql and --auth jwt",
		);
	});

	it("an option depending on a conditional one has no value when that one has none", async () => {
		const chained: PackOption[] = [
			...options,
			{ name: "pool", message: "Pool?", choices: ["small", "big"], default: "small", when: { dialect: "mysql" } },
		];
		expect(await resolveAnswers(chained, { flags: { db: "nosql" } })).not.toHaveProperty("pool");
		expect(await resolveAnswers(chained, { flags: { dialect: "mysql" } })).toMatchObject({ pool: "small" });
		await expect(resolveAnswers(chained, { flags: { db: "nosql", pool: "big" } })).rejects.toThrow(
			"--pool applies only with --dialect mysql",
		);
	});
});

describe("combinations enumerate only valid answer sets", () => {
	it("counts 2 × (2 + 1) × 2 = 12 for the options above, none with a dialect under nosql", () => {
		const all = combinationsOf({ name: "x", options });
		expect(all).toHaveLength(12);
		expect(all.filter((a) => a.db === "nosql").every((a) => !("dialect" in a))).toBe(true);
		expect(all).toContainEqual({ api: "graphql", db: "sql", dialect: "mysql", auth: "none" });
	});

	it("pack check renders 6 of the dialect pack (2 × (2 + 1)) and prints the count", async () => {
		const dir = dialectPack(tmp());
		expect(await checkPack(dir)).toEqual({ pack: "tiny", combinations: 6, errors: [] });
		const run = cli(["pack", "check", dir], tmp());
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/Rendered 6 combinations of tiny: no errors/);
	});

	it("a template using a conditional option where it has no value fails pack check, naming the combination", async () => {
		const dir = tinyPack(
			tmp(),
			{ "layers/base/src/dialect.ts.ejs": "export const d = '<%= dialect %>';\n" },
			{
				options: options.slice(0, 3),
			},
		);
		const result = await checkPack(dir);
		// A template that uses the value where it may be absent is the pack's bug, and pack check finds it.
		const message = expect.stringMatching(/dialect\.ts\.ejs:1: dialect is not defined/);
		expect(result.errors).toEqual([
			{ answers: { api: "rest", db: "nosql" }, message },
			{ answers: { api: "graphql", db: "nosql" }, message },
		]);
	});
});

describe("loading a pack: `when` on an option names earlier options only", () => {
	const withOptions = (opts: unknown[]) => tinyPack(tmp(), {}, { options: opts });
	const api = { name: "api", message: "API?", choices: ["rest", "graphql"], default: "rest" };

	it("accepts a valid one (the JSON schema allows the key)", async () => {
		const pack = await loadPack(dialectPack(tmp()));
		expect(pack.options[2]).toMatchObject({ name: "dialect", when: { db: "sql" } });
	});

	it.each([
		[
			"a later option",
			[
				{ ...api, when: { db: "sql" } },
				{ name: "db", message: "DB?", choices: ["sql"], default: "sql" },
			],
			/\/options\/0\/when: names "db", which is not an earlier option; an option's when may name only options before it/,
		],
		["itself", [{ ...api, when: { api: "rest" } }], /\/options\/0\/when: names the option itself/],
		["an unknown option", [{ ...api, when: { nope: "x" } }], /names "nope", which is not an earlier option/],
		[
			"a value outside the choices",
			[
				{ name: "db", message: "DB?", choices: ["sql", "nosql"], default: "sql" },
				{ ...api, when: { db: "oracle" } },
			],
			/\/options\/1\/when\/db: "oracle" is not one of sql, nosql/,
		],
		["a number", [{ ...api, when: { db: 1 } }], /\/options\/0\/when\/db: must be string/],
	])("refuses one naming %s", async (_, opts, message) => {
		await expect(loadPack(withOptions(opts))).rejects.toThrow(message);
	});

	it("checks an inherited conditional option against the child's override of what it names", async () => {
		const parent = dialectPack(tmp());
		const child = tinyPack(
			tmp(),
			{},
			{
				name: "child",
				extends: parent,
				options: [{ name: "db", message: "DB?", choices: ["nosql", "sqlite"], default: "nosql" }],
				layers: [],
			},
		);
		await expect(loadPack(child)).rejects.toThrow(/option "dialect"'s when\/db: "sql" is not one of nosql, sqlite/);
	});
});

describe("the CLI with a conditional option", () => {
	const workspace = () => {
		const cwd = tmp();
		dialectPack(path.join(cwd, "pack"));
		return cwd;
	};
	const gen = (cwd: string, ...args: string[]) => cli(["--pack", "./pack", ...args], cwd);

	it("refuses the flag when its condition does not hold: exit 2, one line naming it, nothing written", () => {
		const cwd = workspace();
		const before = snapshot(cwd);
		const run = gen(cwd, "app", "--db", "nosql", "--dialect", "mysql");
		expect(run.code).toBe(2);
		expect(run.stderr.trim()).toBe("error: --dialect applies only with --db sql");
		expect(snapshot(cwd)).toEqual(before);
	});

	it("refuses a preset entry that does not apply, with --json as one JSON error", () => {
		const cwd = workspace();
		writeFileSync(path.join(cwd, "preset.json"), JSON.stringify({ db: "nosql", dialect: "mysql" }));
		const run = gen(cwd, "app", "--preset", "preset.json", "--json");
		expect(run.code).toBe(2);
		expect(JSON.parse(run.stdout)).toEqual({ error: 'preset: "dialect" applies only with "db": "sql"', exitCode: 2 });
		expect(existsSync(path.join(cwd, "app"))).toBe(false);
	});

	it("--json answers, the package.json record and the command hold no value for an option that does not apply", () => {
		const cwd = workspace();
		const run = gen(cwd, "app", "--db", "nosql", "--json", "--no-install", "--no-git");
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout).answers).toEqual({ api: "rest", db: "nosql" });
		const stamp = JSON.parse(readFileSync(path.join(cwd, "app/package.json"), "utf8")).createBackendStarter;
		expect(stamp.answers).toEqual({ api: "rest", db: "nosql" });
		expect(stamp.command).toMatch(/ app --pack \.\/pack --api rest --db nosql --yes$/);
		expect(existsSync(path.join(cwd, "app/src/db.ts"))).toBe(false);
	});

	it("takes the flag, and the preset entry, when the condition holds", () => {
		const cwd = workspace();
		const run = gen(cwd, "app", "--dialect", "mysql", "--json", "--no-install", "--no-git");
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout).answers).toEqual({ api: "rest", db: "sql", dialect: "mysql" });
		expect(readFileSync(path.join(cwd, "app/src/db.ts"), "utf8")).toBe("export const dialect = 'mysql';\n");
		writeFileSync(path.join(cwd, "preset.json"), JSON.stringify({ db: "sql", dialect: "mysql" }));
		const preset = gen(cwd, "two", "--preset", "preset.json", "--json", "--dry-run");
		expect(JSON.parse(preset.stdout).answers).toEqual({ api: "rest", db: "sql", dialect: "mysql" });
	});

	it("--help shows the condition next to the option", () => {
		const help = gen(workspace(), "--help");
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(
			/--dialect <postgres\|mysql>\s+SQL dialect\? \(default: postgres; only with\s+--db\s+sql\)/,
		);
		expect(help.stdout).toMatch(/--db <sql\|nosql>\s+DB\? \(default: sql\)\n/);
	});
});

// A real terminal: the CLI in a tmux pane, answered with arrow keys.
const hasTmux = spawnSync("tmux", ["-V"], { stdio: "ignore" }).status === 0;
if (!hasTmux) console.log("conditional questions in a terminal skipped: tmux is not installed");

let socket: string | undefined;
const tmux = (...args: string[]) => {
	if (!socket) throw new Error("no tmux server started");
	return execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
};
const keys = (...sequence: string[]) => {
	for (const key of sequence)
		tmux("send-keys", "-t", "when", ...(key.length > 1 && /^[A-Z]/.test(key) ? [key] : ["-l", key]));
};

async function waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
	const started = Date.now();
	for (;;) {
		const text = tmux("capture-pane", "-p", "-J", "-t", "when");
		if (pattern.test(text)) return text;
		if (Date.now() - started > timeoutMs) throw new Error(`the pane never showed ${pattern}; it shows:\n${text}`);
		await new Promise((done) => setTimeout(done, 50));
	}
}

afterEach(() => {
	if (!socket) return;
	const where = spawnSync("tmux", ["-L", socket, "display-message", "-p", "#{socket_path}"], { encoding: "utf8" });
	spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
	if (where.status === 0 && where.stdout.trim()) rmSync(where.stdout.trim(), { force: true });
	socket = undefined;
});

describe.skipIf(!hasTmux)("questions in a terminal (tmux)", () => {
	/** Starts the CLI on the dialect pack in a pane, answers the project directory, returns the folder. */
	async function start(): Promise<string> {
		const cwd = tmp();
		dialectPack(path.join(cwd, "pack"));
		socket = `cbs-when-${process.pid}-${randomBytes(4).toString("hex")}`;
		const env = [`HOME=${tmp()}`, "TERM=xterm-256color", `PATH=${path.dirname(process.execPath)}:/usr/bin:/bin`];
		tmux("new-session", "-d", "-s", "when", "-x", "200", "-y", "50", "-c", cwd, `env -i ${env.join(" ")} /bin/sh`);
		keys(`node ${BIN} --pack ./pack --no-install --no-git; echo "exit=$?"`, "Enter");
		await waitFor(/Project directory/);
		keys("app", "Enter");
		await waitFor(/API\?/);
		keys("Enter");
		await waitFor(/DB\?/);
		return cwd;
	}

	it("does not ask the dialect after db=nosql", async () => {
		const cwd = await start();
		keys("Down", "Enter"); // nosql
		const after = await waitFor(/exit=\d+/);
		expect(after).toMatch(/DB\? › nosql/);
		expect(after).not.toMatch(/SQL dialect/);
		expect(/exit=(\d+)/.exec(after)?.[1]).toBe("0");
		const stamp = JSON.parse(readFileSync(path.join(cwd, "app/package.json"), "utf8")).createBackendStarter;
		expect(stamp.answers).toEqual({ api: "rest", db: "nosql" });
	}, 45_000);

	it("asks the dialect after db=sql, and takes the answer", async () => {
		const cwd = await start();
		keys("Enter"); // sql
		await waitFor(/SQL dialect\?/);
		keys("Down", "Enter"); // mysql
		const after = await waitFor(/exit=\d+/);
		expect(after).toMatch(/SQL dialect\? › mysql/);
		expect(/exit=(\d+)/.exec(after)?.[1]).toBe("0");
		expect(readdirSync(path.join(cwd, "app/src")).sort()).toEqual(["db.ts", "index.ts"]);
	}, 45_000);
});
