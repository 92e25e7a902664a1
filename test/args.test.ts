import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { buildParser, createFlags, parseCreateArgs, parsePlain, single, toCreateArgs } from "../src/args.js";
import { loadPack, type Pack } from "../src/packs.js";

const pack = await loadPack();

/** What yargs makes of argv, as the create command uses it, or the message of the error it reports. */
async function viaYargs(argv: string[], p: Pack | undefined) {
	try {
		const parser = await buildParser(argv, p);
		return { args: toCreateArgs(single(await parser.parseAsync(), argv), p) };
	} catch (error) {
		return { error: (error as Error).message };
	}
}

// Every flag, negations, aliases, --x=y, repeated flags, unknown flags, bad choices, odd positionals.
const handWritten: string[][] = [
	[],
	["app"],
	["app", "--yes"],
	["app", "-y"],
	["-y", "app"],
	["app", "--no-install", "--no-git"],
	["app", "--install"],
	["app", "--git"],
	["app", "--install", "--no-install"],
	["app", "--no-git", "--git"],
	["app", "--no-install", "--no-install"],
	["app", "--yes", "--yes"],
	["app", "-y", "--yes"],
	["app", "-yy"],
	["app", "--api", "graphql"],
	["app", "--api=graphql"],
	["app", "--api", "foo"],
	["app", "--api=foo"],
	["app", "--api"],
	["app", "--api="],
	["app", "--api", ""],
	["app", "--api", "graphql", "--api", "rest"],
	["app", "--api", "rest", "--api", "rest"],
	["app", "--api", "--yes"],
	["app", "--api", "-x"],
	["app", "--api", "GRAPHQL"],
	["app", "--db", "nosql", "--auth", "none"],
	["app", "--db=sql", "--auth=jwt", "--api=rest"],
	["app", "--pm", "pnpm"],
	["app", "--pm=yarn"],
	["app", "--pm", "cargo"],
	["app", "--pm"],
	["app", "--name", "@acme/api"],
	["app", "--name=x"],
	["app", "--name", "123"],
	["app", "--name", "0x10"],
	["app", "--name", "-x"],
	["app", "--name", ""],
	["app", "--name"],
	["app", "--name", "a", "--name", "b"],
	["app", "--name", "a", "--name", "a"],
	["app", "--pack", "./p"],
	["app", "--pack=./p"],
	["app", "--preset", "p.json"],
	["app", "--preset"],
	["app", "--dry-run"],
	["app", "--dryRun"],
	["app", "--dry_run"],
	["app", "--json"],
	["app", "--force"],
	["app", "--verbose"],
	["app", "--help"],
	["-h"],
	["app", "-h"],
	["app", "--version"],
	["-v"],
	["app", "-v"],
	["app", "-y", "-v"],
	["app", "-yh"],
	["--no-yes", "app"],
	["app", "--no-json"],
	["app", "--no-force"],
	["app", "--no-verbose"],
	["app", "--no-dry-run"],
	["app", "--no-api"],
	["app", "--no-name"],
	["app", "--no-help"],
	["app", "--no-no-install"],
	["app", "--yes=true"],
	["app", "--yes=false"],
	["app", "--yes", "true"],
	["app", "--yes", "false"],
	["app", "--install=false"],
	["app", "--no-install=true"],
	["app", "extra"],
	["app", "--", "-x"],
	["--", "-x"],
	["app", "--", "--", "x"],
	["-x"],
	["app", "--unknown"],
	["app", "--unknown", "v"],
	["app", "--unknown=v"],
	["app", "-z"],
	["app", "---yes"],
	["app", "--API", "graphql"],
	["app", "--Api=rest"],
	["app", "--api.x", "1"],
	["app", "--name.first", "x"],
	["app", "--directory", "x"],
	["--directory=x"],
	["app", "--_", "x"],
	["app", "--$0", "x"],
	["-"],
	["."],
	["./app"],
	["../app"],
	["/abs/app"],
	["@scope/app"],
	["my app"],
	["123"],
	["0x10"],
	["1e3"],
	["-1"],
	["1.5"],
	["true"],
	["false"],
	["ä-ünïcode"],
	["app=1"],
	["--yes", "app"],
	["--api", "graphql", "app"],
	["app", "--api", "graphql", "--db", "sql", "--auth", "jwt", "--yes", "--no-install", "--no-git"],
	["app", "--api", "rest", "--db", "nosql", "--auth", "none", "--yes", "--no-install", "--no-git", "--json"],
	["--name", "@a/b", "--pm", "bun", "--force", "--verbose", "--dry-run", "--preset", "x.json", "dir"],
	["app", "--no-"],
	["app", "--="],
	["app", "--=x"],
	["app", "--no-install=false"],
	["app", "--no-pm"],
	["app", "-yes"],
	["app", "-Y"],
	["app", "-y=1"],
	["app", "--api=graphql=x"],
	["app", "--name=a=b"],
	["app", "--name", "a b"],
	["app", "--name", "a", "other"],
	["app", "--pm", "npm", "--api=rest", "--db", "nosql"],
	["--json", "--dry-run", "x"],
];

/** A fixed pseudo-random mix of plain and odd tokens, so the corpus is the same on every run. */
function generated(count: number): string[][] {
	const positionals = ["app", "my-api", "@acme/api", ".", "x y", "7", "true", "-"];
	const flags = [
		["--api", "graphql"],
		["--api", "rest"],
		["--api=graphql"],
		["--api", "soap"],
		["--db", "sql"],
		["--db=nosql"],
		["--auth", "none"],
		["--auth", "jwt"],
		["--yes"],
		["-y"],
		["--no-yes"],
		["--no-install"],
		["--install"],
		["--no-git"],
		["--git"],
		["--dry-run"],
		["--json"],
		["--force"],
		["--verbose"],
		["--name", "svc"],
		["--name=@a/b"],
		["--pm", "npm"],
		["--pm", "pip"],
		["--preset", "p.json"],
		["--pack", "./p"],
		["--help"],
		["-v"],
		["--bogus"],
		["--"],
		["--api"],
	];
	let seed = 42;
	const random = (n: number) => {
		seed = (seed * 1103515245 + 12345) % 2 ** 31;
		return seed % n;
	};
	const out: string[][] = [];
	for (let i = 0; i < count; i++) {
		const argv: string[] = [];
		const n = random(7);
		for (let k = 0; k < n; k++) argv.push(...(flags[random(flags.length)] ?? []));
		const at = random(argv.length + 1);
		const pos = random(4) === 0 ? [] : [positionals[random(positionals.length)] ?? "app"];
		if (random(10) === 0) pos.push(positionals[random(positionals.length)] ?? "app");
		argv.splice(at, 0, ...pos);
		out.push(argv);
	}
	return out;
}

describe("the fast argument parser gives what yargs gives, or leaves the arguments to yargs", () => {
	const corpus = [...handWritten, ...generated(600)];

	it.each([
		["the built-in pack", pack],
		["no pack (a broken installation)", undefined],
	])(`over ${corpus.length} argument lists, with %s`, async (_, p) => {
		const flags = createFlags(p);
		let fast = 0;
		const differ = [];
		for (const argv of corpus) {
			const plain = parsePlain(argv, flags);
			if (!plain) continue;
			fast += 1;
			const yargs = await viaYargs(argv, p);
			const ours = { args: toCreateArgs(plain, p) };
			if (!isDeepStrictEqual(yargs, ours)) differ.push({ argv, yargs, ours });
		}
		expect(differ).toStrictEqual([]);
		// The corpus exercises the fast path, not only the fallback.
		expect(fast).toBeGreaterThan(p ? 150 : 50);
	});

	it("reads the plain arguments of a generation itself", () => {
		const argv = ["app", "--api", "graphql", "--db", "sql", "--auth", "jwt", "--yes", "--no-install", "--no-git"];
		expect(toCreateArgs(parsePlain(argv, createFlags(pack)) ?? {}, pack)).toStrictEqual({
			directory: "app",
			answers: { api: "graphql", db: "sql", auth: "jwt" },
			name: undefined,
			pack: undefined,
			preset: undefined,
			pm: undefined,
			yes: true,
			install: false,
			git: false,
			dryRun: false,
			json: false,
			force: false,
			verbose: false,
			help: false,
			version: false,
		});
	});

	it.each([
		[["app", "--help"]],
		[["app", "-v"]],
		[["app", "--api", "soap"]],
		[["app", "--yes", "--yes"]],
		[["app", "--install", "--no-install"]],
		[["app", "--bogus"]],
		[["app", "--", "-x"]],
		[["app", "--dryRun"]],
		[["app", "extra"]],
		[["007"]],
	])("leaves %j to yargs", (argv) => {
		expect(parsePlain(argv, createFlags(pack))).toBeUndefined();
	});

	it("keeps yargs for --help and for the messages of mistakes", async () => {
		const help = await parseCreateArgs(["--help"], pack);
		expect(help.args.help).toBe(true);
		expect(await help.help?.()).toMatch(/Options of the pack create-backend-starter:[\s\S]*--no-install/);
		await expect(parseCreateArgs(["app", "--api", "soap"], pack)).rejects.toThrow(
			/Invalid values:.*Argument: api, Given: "soap", Choices: "rest", "graphql" \(see --help\)/,
		);
		await expect(parseCreateArgs(["app", "--bogus"], pack)).rejects.toThrow(/Unknown argument: bogus/);
		await expect(parseCreateArgs(["app", "--name", "a", "--name", "b"], pack)).rejects.toThrow(
			"--name was given twice with different values (a, b)",
		);
	});
});
