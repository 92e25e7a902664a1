import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createProject } from "../src/create.js";
import { helpText } from "../src/help.js";
import { loadPack } from "../src/packs.js";
import type { Question } from "../src/prompts.js";
import { didYouMean } from "../src/suggest.js";
import { BIN, cli, snapshot, tinyPack, tmp } from "./helpers.js";

/** The words a user types, and the one line and exit code that answer them. */
describe("help", () => {
	it.each([[["help"]], [["-h"]], [["--help"]], [["help", "--yes"]]])("%j prints the help, exit 0", (args) => {
		const cwd = tmp();
		const run = cli(args, cwd);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/^Usage: create-backend-starter \[directory\] \[options\]\n/);
		expect(run.stderr).toBe("");
		expect(snapshot(cwd)).toEqual([]); // no project named help
	});

	it("`help pack check` prints that command's help", () => {
		const run = cli(["help", "pack", "check"], tmp());
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/^Usage: create-backend-starter pack check <pack>/);
		expect(run.stdout).toContain("--jobs <n>");
	});

	it("./help makes a project in a folder named help", () => {
		const cwd = tmp();
		tinyPack(path.join(cwd, "pack"));
		const run = cli(["./help", "--pack", "./pack", "--yes", "--no-install", "--no-git"], cwd);
		expect(run.code).toBe(0);
		expect(existsSync(path.join(cwd, "help/package.json"))).toBe(true);
	});

	it("fits 80 columns, with examples and what each choice of the built-in pack means and needs", async () => {
		const text = helpText("create", await loadPack(), 80);
		for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
		expect(text).toContain("Examples:\n  create-backend-starter my-api\n");
		expect(text).toContain(
			"create-backend-starter my-api --yes\n    takes every default: --api rest --db sql --auth jwt",
		);
		expect(text).toMatch(
			/ {6}sql {15}PostgreSQL: embedded PGlite, nothing to install; a\n {24}server via DATABASE_URL/,
		);
		expect(text).toMatch(/nosql +MongoDB: needs a MongoDB server/);
		expect(text).toContain("-y, --yes");
		expect(text).toContain("--no-install");
	});

	it("keeps every line within a narrow terminal too (no column runs into the next)", async () => {
		const pack = await loadPack();
		for (const width of [60, 100]) {
			for (const command of ["create", "pack check", "pack init"] as const) {
				const lines = helpText(command, pack, width).split("\n");
				for (const line of lines) expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width);
			}
		}
	});

	it("the CLI's --help at its default width (no terminal: 80) fits 80 columns", () => {
		const run = cli(["--help"], tmp());
		expect(Math.max(...run.stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(80);
	});
});

describe("mistyped flags and values: one line with what was meant, exit 2, nothing written", () => {
	it.each([
		[["app", "--apii", "rest"], "error: Unknown argument: --apii; did you mean --api? (see --help)"],
		[["app", "--dry-runn"], "error: Unknown argument: --dry-runn; did you mean --dry-run? (see --help)"],
		[["app", "--yse"], "error: Unknown argument: --yse; did you mean --yes? (see --help)"],
		[["app", "--zzz"], "error: Unknown argument: --zzz (see --help)"],
		[
			["app", "--api", "rset"],
			'error: --api "rset" is not a choice; did you mean --api rest? (choices: rest, graphql) (see --help)',
		],
		[["app", "--api", "soap"], 'error: --api "soap" is not a choice (choices: rest, graphql) (see --help)'],
		[["app", "--api"], "error: --api needs a value (choices: rest, graphql) (see --help)"],
		[
			["app", "--pm", "pnmp"],
			'error: --pm "pnmp" is not a choice; did you mean --pm pnpm? (choices: npm, pnpm, yarn, bun) (see --help)',
		],
		[["app", "--db", "mongo"], 'error: --db "mongo" is not a choice: MongoDB is `--db nosql` (see --help)'],
		[["app", "--db", "mongodb"], 'error: --db "mongodb" is not a choice: MongoDB is `--db nosql` (see --help)'],
		[["app", "--db", "MongoDB"], 'error: --db "MongoDB" is not a choice: MongoDB is `--db nosql` (see --help)'],
		[["app", "--db", "postgres"], 'error: --db "postgres" is not a choice: PostgreSQL is `--db sql` (see --help)'],
		[["app", "--db", "pg"], 'error: --db "pg" is not a choice: PostgreSQL is `--db sql` (see --help)'],
		[["app", "--db", "postgresql"], 'error: --db "postgresql" is not a choice: PostgreSQL is `--db sql` (see --help)'],
		[["app", "--db", "mysql"], 'error: --db "mysql" is not a choice: MySQL is `--db sql --dialect mysql` (see --help)'],
		[
			["app", "--db", "mariadb"],
			'error: --db "mariadb" is not a choice: MariaDB is `--db sql --dialect mysql` (see --help)',
		],
	])("%j", (args, line) => {
		const cwd = tmp();
		const run = cli([...args, "--yes", "--no-install", "--no-git"], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toBe(`${line}\n`);
		expect(snapshot(cwd)).toEqual([]);
	});

	it("a mistyped flag of pack check is named too", () => {
		const run = cli(["pack", "check", "x", "--jbos", "2"], tmp());
		expect(run.code).toBe(2);
		expect(run.stderr).toBe("error: Unknown argument: --jbos; did you mean --jobs? (see --help)\n");
	});

	it("suggests only what is near enough", () => {
		expect(didYouMean("apii", ["api", "db"])).toBe("api");
		expect(didYouMean("x", ["api", "db"])).toBeUndefined();
		expect(didYouMean("graphq", ["rest", "graphql"])).toBe("graphql");
		expect(didYouMean("soap", ["rest", "graphql"])).toBeUndefined();
	});

	it("a preset's value gets the pack's hint as well", () => {
		const cwd = tmp();
		writeFileSync(path.join(cwd, "p.json"), JSON.stringify({ db: "mongo" }));
		const run = cli(["app", "--preset", "p.json", "--yes", "--no-install", "--no-git"], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toBe('error: preset: db must be one of sql, nosql (got "mongo"): MongoDB is `--db nosql`\n');
	});
});

describe("pack.json descriptions, hints and notes", () => {
	const packWith = (option: Record<string, unknown>, manifest: Record<string, unknown> = {}) => {
		const cwd = tmp();
		tinyPack(
			path.join(cwd, "pack"),
			{},
			{
				options: [
					{ name: "api", message: "API?", choices: ["rest", "graphql"], default: "rest", ...option },
					{ name: "db", message: "DB?", choices: ["sql", "nosql"], default: "sql" },
				],
				...manifest,
			},
		);
		return cwd;
	};

	it.each([
		[{ descriptions: { soap: "x" } }, /\/options\/0\/descriptions: "soap" is not one of rest, graphql/],
		[{ hints: { rest: "x" } }, /\/options\/0\/hints: "rest" is a choice/],
		[{ hints: { Soap: "x" } }, /\/options\/0\/hints: must match pattern "\^\[a-z0-9\]/],
	])("refuses %j naming the key", (option, message) => {
		const run = cli(["app", "--pack", "./pack", "--yes", "--no-install", "--no-git"], packWith(option));
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(message);
	});

	it("a pack's own hint answers its own option's value", () => {
		const cwd = packWith({ hints: { soap: "SOAP is not offered; REST is `--api rest`" } });
		const run = cli(["app", "--pack", "./pack", "--api", "soap", "--yes", "--no-install", "--no-git"], cwd);
		expect(run.stderr).toBe(
			'error: --api "soap" is not a choice: SOAP is not offered; REST is `--api rest` (see --help)\n',
		);
	});

	it("prints the notes whose `when` matches after the next steps", () => {
		const notes = [
			{ text: "Docs at http://127.0.0.1:3000/docs", when: { api: "rest" } },
			{ text: "GraphiQL at http://127.0.0.1:3000/graphiql", when: { api: "graphql" } },
			{ text: "Always said" },
		];
		const cwd = packWith({}, { notes });
		const run = cli(["app", "--pack", "./pack", "--yes", "--no-install", "--no-git"], cwd);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/ {2}npm run dev\n\nDocs at http:\/\/127\.0\.0\.1:3000\/docs\nAlways said\n\n$/);
	});

	it("refuses a note whose `when` names an unknown option", () => {
		const cwd = packWith({}, { notes: [{ text: "x", when: { colour: "red" } }] });
		const run = cli(["app", "--pack", "./pack", "--yes", "--no-install", "--no-git"], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/\/notes\/0\/when: unknown option "colour"/);
	});

	it.each([
		[["--api", "rest", "--db", "sql"], ["http://127.0.0.1:3000/docs"], "MongoDB"],
		[["--api", "graphql", "--db", "sql"], ["http://127.0.0.1:3000/graphiql"], "MongoDB"],
		[["--api", "rest", "--db", "nosql"], ["/docs", "needs a MongoDB server", "docker compose up -d mongo"], "graphiql"],
	])("the built-in pack's next steps for %j say where the server listens and what it needs", (args, said, unsaid) => {
		const run = cli(["app", ...args, "--auth", "jwt", "--dry-run", "--json"], tmp());
		const { notes } = JSON.parse(run.stdout) as { notes: string[] };
		const text = notes.join("\n");
		for (const words of said) expect(text).toContain(words);
		expect(text).not.toContain(unsaid);
		expect(text).toContain("It listens on http://127.0.0.1:3000 (set PORT to change it)");
	});
});

describe("the project folder is checked at the first question", () => {
	it("refuses a non-empty folder in the directory question's validation, before any other question", async () => {
		const cwd = tmp();
		mkdirSync(path.join(cwd, "taken"));
		writeFileSync(path.join(cwd, "taken/file.txt"), "x");
		const asked: string[] = [];
		let verdicts: (string | undefined)[] = [];
		const ask = async (questions: Question[]): Promise<Record<string, string>> => {
			asked.push(...questions.map((q) => q.name));
			const [question] = questions;
			if (question?.name === "directory") {
				verdicts = [await question.validate?.("taken"), await question.validate?.("fresh")];
				return { directory: "fresh" };
			}
			return {};
		};
		tinyPack(path.join(cwd, "pack"));
		await createProject({ cwd, pack: path.join(cwd, "pack"), ask, dryRun: true });
		expect(asked).toEqual(["directory", "api", "db"]);
		expect(verdicts[0]).toMatch(/taken is not empty \("file\.txt"\); choose another directory, or pass --force/);
		expect(verdicts[1]).toBeUndefined();
	});

	it("with the directory given and questions to ask, a non-empty folder is refused before them", async () => {
		const cwd = tmp();
		tinyPack(path.join(cwd, "pack"));
		writeFileSync(path.join(cwd, "pack/extra"), "x");
		let asked = false;
		const ask = async () => {
			asked = true;
			return {};
		};
		await expect(createProject({ cwd, directory: "pack", pack: path.join(cwd, "pack"), ask })).rejects.toThrow(
			/is not empty/,
		);
		expect(asked).toBe(false);
	});
});

/** The CLI in a pseudo-terminal (util-linux `script`), typing `keys` once the first question is shown. */
function inTerminal(cwd: string, env: Record<string, string | undefined>, keys: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --no-install --no-git`;
		const childEnv: Record<string, string | undefined> = { ...process.env, CI: undefined, TERM: "xterm-256color" };
		delete childEnv.FORCE_COLOR;
		delete childEnv.NO_COLOR;
		delete childEnv.CI;
		const child = spawn("script", ["-qec", command, "/dev/null"], {
			cwd,
			env: { ...childEnv, ...env } as NodeJS.ProcessEnv,
			stdio: ["pipe", "pipe", "pipe"],
		});
		let output = "";
		let typed = false;
		const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
		child.stdout.on("data", (chunk: Buffer) => {
			output += chunk.toString();
			if (!typed && output.includes("Project directory")) {
				typed = true;
				child.stdin.write(keys);
				// Then cancel whatever question follows.
				setTimeout(() => child.stdin.write("\u0003"), 1_500);
			}
		});
		child.on("error", reject);
		child.on("close", () => {
			clearTimeout(timer);
			resolve(output);
		});
	});
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape that sets a colour
const COLOUR = /\u001b\[(3[0-9]|9[0-7]|1)m/;

describe("in a terminal", () => {
	it("refuses a non-empty folder at the first question, on the terminal", async () => {
		const cwd = tmp();
		mkdirSync(path.join(cwd, "taken"));
		writeFileSync(path.join(cwd, "taken/file.txt"), "x");
		const output = await inTerminal(cwd, { NO_COLOR: "1" }, "taken\r");
		expect(output).toMatch(/taken is not empty/);
		expect(output).not.toMatch(/API style\?/);
	}, 30_000);

	it("honours NO_COLOR in the questions, and colours them without it", async () => {
		const plain = await inTerminal(tmp(), { NO_COLOR: "1" }, "\r");
		expect(plain).toMatch(/API style\?/);
		expect(plain).toMatch(/REST: OpenAPI 3\.1 document, docs page at \/docs/); // the highlighted choice's hint
		expect(plain).not.toMatch(COLOUR);
		const coloured = await inTerminal(tmp(), {}, "\r");
		expect(coloured).toMatch(COLOUR);
	}, 60_000);
});

describe("notes of a pack that extends another", () => {
	it("come after the notes of the pack it extends", () => {
		const cwd = tmp();
		const run = cli(["pack", "init", "house"], cwd);
		expect(run.code).toBe(0);
		const made = cli(["app", "--pack", "./house", "--example", "yes", "--dry-run", "--json"], cwd);
		const { notes } = JSON.parse(made.stdout) as { notes: string[] };
		expect(notes[0]).toMatch(/^It listens on http:\/\/127\.0\.0\.1:3000/);
		expect(notes.at(-1)).toBe("src/example.ts shows where a module of your own goes.");
	});
});
