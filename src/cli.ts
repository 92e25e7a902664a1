import { parseCreateArgs } from "./args.js";
import type { CreateResult } from "./create.js";
import { finishByHand } from "./install.js";
import { createLogger, type Logger, stderr, stdout, UserError } from "./log.js";
import { loadPack, type Pack, toolVersion } from "./packs.js";
import { askOnTerminal } from "./prompts.js";
import { abortWrites } from "./write.js";

/** The CLI: parse, run, print; the one place that catches errors and picks exit codes. */
export async function run(argv: string[]): Promise<void> {
	// Answered before anything heavy is loaded: `--version` should cost no more than starting Node.
	if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
		stdout.write(`${toolVersion()}\n`);
		return;
	}
	const json = argv.includes("--json");
	const verbose = argv.includes("--verbose");
	const log = createLogger({ json, verbose });
	const interrupted = (signal: NodeJS.Signals) => {
		const left = finishByHand(); // set once the files are in place and a post step (git, install) has not ended
		const message = left
			? `Aborted; the project is in place, finish by hand with: ${left}`
			: `Aborted${abortWrites() ? "; nothing was created" : ""}`;
		const exitCode = signal === "SIGINT" ? 130 : 143;
		if (json) stdout.write(`${JSON.stringify({ error: message, exitCode })}\n`);
		stderr.write(`\n${message}\n`);
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
	const { args, help } = await parseCreateArgs(argv, pack);
	if (args.help && help) {
		stdout.write(`${await help()}\n`);
		return;
	}
	if (args.version) return void stdout.write(`${toolVersion()}\n`);
	if (!pack) throw new UserError("the built-in pack is missing from this installation; pass --pack");
	const interactive = !args.yes && !json && process.stdin.isTTY && !isCI();
	// After `--`, a directory like `-x` arrives as a positional; it is then refused as a name, never read as a flag.
	const { directory } = args;
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
		name: args.name,
		pack,
		answers: args.answers,
		preset: args.preset,
		ask: interactive ? askOnTerminal : undefined,
		force: args.force,
		dryRun: args.dryRun,
		install: args.install,
		git: args.git,
		pm: args.pm,
		log,
		json,
	});
	printResult(result, json);
	const failed = result.steps.filter((s) => s.status === "failed");
	for (const step of failed)
		stderr.write(
			`${stderr.paint("red", "error:")} ${step.message}; the project is in place, finish by hand with: ${result.nextSteps[0]} && ${step.command}\n`,
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

function isCI(): boolean {
	const ci = process.env.CI;
	return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

function printResult(result: CreateResult, json: boolean): void {
	if (json) {
		stdout.write(`${JSON.stringify(result, null, 2)}\n`);
	} else if (result.dryRun) {
		const width = Math.max(...result.files.map((f) => f.path.length));
		stdout.write(`Would create ${result.directory} with ${result.files.length} files (dry run, nothing written):\n`);
		for (const file of result.files)
			stdout.write(`  ${file.path.padEnd(width)}  ${stdout.paint("dim", `(${file.layer})`)}\n`);
	} else {
		stdout.write(
			`\n${stdout.paint("green", "Done.")} Now run:\n\n${result.nextSteps.map((c) => `  ${c}\n`).join("")}\n`,
		);
	}
}

function report(error: unknown, json: boolean, verbose: boolean): number {
	const expected = error instanceof UserError;
	const code = expected ? error.exitCode : 1;
	const message = expected ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
	if (json) stdout.write(`${JSON.stringify({ error: message, exitCode: code })}\n`);
	stderr.write(`${stderr.paint("red", "error:")} ${message}\n`);
	if (verbose || !expected) stderr.write(`${(error as Error)?.stack ?? ""}\n`);
	return code;
}
