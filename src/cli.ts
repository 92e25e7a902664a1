import type { CreateResult } from "./create.js";
import { PACKAGE_MANAGERS, type PackageManager } from "./install.js";
import { createLogger, type Logger, paint, UserError } from "./log.js";
import { loadPack, type Pack, toolVersion } from "./packs.js";
import { askOnTerminal } from "./prompts.js";
import { abortWrites } from "./write.js";

/** The CLI: parse, run, print; the one place that catches errors and picks exit codes. */
export async function run(argv: string[]): Promise<void> {
	// Answered before anything heavy is loaded: `--version` should cost no more than starting Node.
	if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
		process.stdout.write(`${toolVersion()}\n`);
		return;
	}
	const json = argv.includes("--json");
	const verbose = argv.includes("--verbose");
	const log = createLogger({ json, verbose });
	const interrupted = (signal: NodeJS.Signals) => {
		const message = `Aborted${abortWrites() ? "; nothing was created" : ""}`;
		const exitCode = signal === "SIGINT" ? 130 : 143;
		if (json) process.stdout.write(`${JSON.stringify({ error: message, exitCode })}\n`);
		process.stderr.write(`\n${message}\n`);
		process.exit(exitCode);
	};
	process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
	try {
		if (argv[0] === "pack") {
			const { runPackCommand } = await import("./pack-commands.js");
			await runPackCommand(argv.slice(1), log);
		} else {
			await runCreate(argv, log, json);
		}
	} catch (error) {
		process.exitCode = report(error, json, verbose);
	} finally {
		process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
	}
}

async function runCreate(argv: string[], log: Logger, json: boolean): Promise<void> {
	const pack = await packFor(argv);
	const parser = await buildParser(argv, pack);
	const args = single(await parser.parseAsync(), argv);
	if (args.help) {
		process.stdout.write(`${await parser.getHelp()}\n`);
		return;
	}
	if (args.version) return void process.stdout.write(`${toolVersion()}\n`);
	if (!pack) throw new UserError("the built-in pack is missing from this installation; pass --pack");
	const interactive = !args.yes && !json && process.stdin.isTTY && !isCI();
	const answers = Object.fromEntries(
		pack.options.filter((o) => args[o.name] !== undefined).map((o) => [o.name, String(args[o.name])]),
	);
	// After `--`, a directory like `-x` arrives in `_`; it is then refused as a name, never read as a flag.
	const directory = (args.directory ?? (args._ as unknown[])[0]) as string | undefined;
	if (directory === undefined && !interactive) {
		const note = args.yes ? " (--yes takes the default for every option, but not for the directory)" : "";
		throw new UserError(
			`missing the project directory: pass it as the first argument, e.g. \`create-backend-starter my-api\`${note}`,
		);
	}
	// Loaded here, not at the top: EJS and the name validator are not needed for --version or a usage error.
	const { createProject } = await import("./create.js");
	const result = await createProject({
		directory,
		name: args.name as string | undefined,
		pack,
		answers,
		preset: args.preset as string | undefined,
		ask: interactive ? askOnTerminal : undefined,
		force: Boolean(args.force),
		dryRun: Boolean(args.dryRun),
		install: args.install !== false,
		git: args.git !== false,
		pm: args.pm as PackageManager | undefined,
		log,
		json,
	});
	printResult(result, json);
	const failed = result.steps.filter((s) => s.status === "failed");
	for (const step of failed)
		process.stderr.write(
			`${paint("red", "error:", process.stderr)} ${step.message}; the project is in place, finish by hand with: ${result.nextSteps[0]} && ${step.command}\n`,
		);
	if (failed.length > 0) process.exitCode = 1;
}

/** `--pack` must be known before parsing: the pack's options become flags. */
async function packFor(argv: string[]): Promise<Pack | undefined> {
	const i = argv.findIndex((a) => a === "--pack" || a.startsWith("--pack="));
	const ref = i < 0 ? undefined : argv[i] === "--pack" ? argv[i + 1] : argv[i]?.slice("--pack=".length);
	if (i >= 0 && !ref) throw new UserError("--pack needs a folder or a package name");
	// Without --pack, a broken installation should still answer --help.
	return loadPack(ref).catch((error) => {
		if (ref || !argv.some((a) => a === "--help" || a === "-h")) throw error;
		return undefined;
	});
}

async function buildParser(argv: string[], pack: Pack | undefined) {
	const { default: yargs } = await import("yargs");
	const packOptions = Object.fromEntries(
		(pack?.options ?? []).map((o) => [
			o.name,
			{
				type: "string" as const,
				choices: o.choices,
				describe: `${o.message} (default: ${o.default})`,
				group: `Options of the pack ${pack?.name}:`,
			},
		]),
	);
	return (
		yargs(argv)
			.scriptName("create-backend-starter")
			.command("$0 [directory]", "Create a backend project in DIRECTORY (its last segment is the package name)")
			.positional("directory", { type: "string" })
			// Our own --help/--version: yargs' versions would print and carry on, or exit the process.
			.help(false)
			.version(false)
			.options({
				...packOptions,
				name: { type: "string", describe: "Package name, when it differs from the folder (e.g. @acme/api)" },
				pack: { type: "string", describe: "A template pack: a folder or an npm package (default: the built-in pack)" },
				preset: { type: "string", describe: "A JSON file of answers; flags win over it" },
				yes: { alias: "y", type: "boolean", describe: "Take the default for every option not given; never ask" },
				pm: {
					type: "string",
					choices: PACKAGE_MANAGERS,
					describe: "Package manager (default: the one that ran this, else npm)",
				},
				install: { type: "boolean", default: true, describe: "Install dependencies (--no-install to skip)" },
				git: { type: "boolean", default: true, describe: "git init and a first commit (--no-git to skip)" },
				"dry-run": { type: "boolean", describe: "Print the files and their layers; write nothing" },
				json: { type: "boolean", describe: "Print one JSON object on stdout; messages go to stderr" },
				force: {
					type: "boolean",
					describe: "Write into a non-empty folder; overwritten files are listed, nothing is deleted",
				},
				verbose: { type: "boolean", describe: "List every file written; show a stack with an error" },
				help: { alias: "h", type: "boolean", describe: "Show this help" },
				version: { alias: "v", type: "boolean", describe: "Show the version" },
			})
			.epilogue(
				"Template packs:\n  create-backend-starter pack init <dir>   a new pack extending the built-in one\n  create-backend-starter pack check <pack> validate it, render every combination",
			)
			.parserConfiguration({ "duplicate-arguments-array": true, "strip-aliased": true, "strip-dashed": true })
			.strict()
			.exitProcess(false)
			.wrap(Math.min(110, process.stdout.columns || 80))
			.fail((message, error) => {
				throw new UserError(`${(message ?? error?.message ?? "invalid usage").replace(/\s*\n\s*/g, " ")} (see --help)`);
			})
	);
}

/** A flag given twice with different values is a mistake to report, not a choice to make silently. */
function single(args: Record<string, unknown>, argv: string[]): Record<string, unknown> {
	for (const flag of ["install", "git"]) {
		if (argv.includes(`--${flag}`) && argv.includes(`--no-${flag}`)) {
			throw new UserError(`--${flag} was given twice with different values (--${flag}, --no-${flag})`);
		}
	}
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(args)) {
		const values = Array.isArray(value) && key !== "_" ? [...new Set(value)] : [value];
		if (values.length > 1) throw new UserError(`--${key} was given twice with different values (${values.join(", ")})`);
		out[key] = values[0];
	}
	return out;
}

function isCI(): boolean {
	const ci = process.env.CI;
	return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

function printResult(result: CreateResult, json: boolean): void {
	if (json) {
		process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
	} else if (result.dryRun) {
		const width = Math.max(...result.files.map((f) => f.path.length));
		process.stdout.write(
			`Would create ${result.directory} with ${result.files.length} files (dry run, nothing written):\n`,
		);
		for (const file of result.files)
			process.stdout.write(`  ${file.path.padEnd(width)}  ${paint("dim", `(${file.layer})`, process.stdout)}\n`);
	} else {
		process.stdout.write(
			`\n${paint("green", "Done.", process.stdout)} Now run:\n\n${result.nextSteps.map((c) => `  ${c}\n`).join("")}\n`,
		);
	}
}

function report(error: unknown, json: boolean, verbose: boolean): number {
	const expected = error instanceof UserError;
	const code = expected ? error.exitCode : 1;
	const message = expected ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
	if (json) process.stdout.write(`${JSON.stringify({ error: message, exitCode: code })}\n`);
	process.stderr.write(`${paint("red", "error:", process.stderr)} ${message}\n`);
	if (verbose || !expected) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
	return code;
}
