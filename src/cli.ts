import { type CreateResult, createProject } from "./create.js";
import { answersFromFlags, type Flags, parseFlags, type Reporting } from "./flags.js";
import { helpText } from "./help.js";
import { createLogger, type Logger, paint, UserError } from "./log.js";
import { buildCombinations, checkOf, describeAnswers, parseOnly } from "./pack-build.js";
import { checkPack, combinationsOf, findReplacedFiles } from "./pack-check.js";
import { initPack } from "./pack-init.js";
import { checkUpdatePath, generateUpdated } from "./pack-update-check.js";
import { loadPack, matchesWhen, type Pack, toolVersion } from "./packs.js";
import { askOnTerminal } from "./prompts.js";
import { runUpdate } from "./update-cli.js";

/** The CLI: read the flags, run the command, print; the one place that catches errors and picks exit codes. */
export async function run(argv: string[]): Promise<void> {
	const reporting: Reporting = { json: false, verbose: false };
	// Ctrl-C aborts what runs (writing removes its staging folder; a post step stops); the error says what is left.
	// A second one stops at once.
	const controller = new AbortController();
	const interrupt = (signal: NodeJS.Signals) => {
		const exitCode = signal === "SIGINT" ? 130 : 143;
		if (controller.signal.aborted) process.exit(exitCode);
		controller.abort(new UserError("Aborted", exitCode));
	};
	process.on("SIGINT", interrupt).on("SIGTERM", interrupt);
	try {
		// 1. The command line, read once; the pack's options are checked once the pack is loaded.
		const flags = await parseFlags(argv, reporting);
		const log = createLogger(flags);
		if (flags.version) return void process.stdout.write(`${toolVersion()}\n`);
		if (flags.help && flags.command !== "create") return void process.stdout.write(`${helpText(flags.command)}\n`);
		if (flags.command === "pack init") return await runPackInit(flags, log);
		if (flags.command === "update" || flags.command === "add") return await runUpdate(flags, log, controller.signal);
		if (!flags.pack && flags.command === "pack check") throw new UserError("name the pack to check (see --help)");
		// 2. The pack: its options are flags and questions too.
		const pack = await loadPack(flags.pack);
		if (flags.help) return void process.stdout.write(`${helpText(flags.command, pack)}\n`);
		// 3. The command.
		if (flags.command === "pack check") await runPackCheck(flags, pack, log, controller.signal);
		else await runCreate(flags, pack, log, controller.signal);
	} catch (error) {
		process.exitCode = report(error, reporting);
	} finally {
		process.off("SIGINT", interrupt).off("SIGTERM", interrupt);
	}
}

async function runCreate(flags: Flags, pack: Pack, log: Logger, signal: AbortSignal): Promise<void> {
	const answers = answersFromFlags(flags.optionFlags, pack);
	const interactive = !flags.yes && !flags.json && process.stdin.isTTY && !isCI();
	if (flags.directory === undefined && !interactive) {
		const note = flags.yes ? " (--yes takes the default for every option, but not for the directory)" : "";
		throw new UserError(
			`missing the project directory: pass it as the first argument, e.g. \`create-backend-starter my-api\`${note}`,
		);
	}
	// The flags are the settings (directory, name, preset, force, dryRun, install, git, pm), with the pack loaded.
	const ask = interactive ? askOnTerminal : undefined;
	const childOutput = flags.json ? "stderr" : "inherit";
	const result = await createProject({ ...flags, pack, answers, ask, log, childOutput, signal });
	printResult(result, flags.json === true);
	const failed = result.steps.filter((s) => s.status === "failed");
	for (const step of failed) {
		process.stderr.write(
			`${paint(process.stderr, "red", "error:")} ${step.message}; the project is in place, finish by hand with: ${result.nextSteps[0]} && ${step.command}\n`,
		);
	}
	if (failed.length > 0) process.exitCode = 1;
}

function printResult(result: CreateResult, json: boolean): void {
	const out = process.stdout;
	if (json) {
		out.write(`${JSON.stringify(result, null, 2)}\n`);
	} else if (result.dryRun) {
		const width = Math.max(...result.files.map((f) => f.path.length));
		out.write(`Would create ${result.directory} with ${result.files.length} files (dry run, nothing written):\n`);
		for (const file of result.files)
			out.write(`  ${file.path.padEnd(width)}  ${paint(out, "dim", `(${file.layer})`)}\n`);
	} else {
		out.write(`\n${paint(out, "green", "Done.")} Now run:\n\n${result.nextSteps.map((c) => `  ${c}\n`).join("")}\n`);
		if (result.notes.length > 0) out.write(`${result.notes.map((note) => `${note}\n`).join("")}\n`);
	}
}

/** `pack check PACK [--build [--only name=value,…] [--jobs N]]` */
async function runPackCheck(flags: Flags, pack: Pack, log: Logger, signal: AbortSignal): Promise<void> {
	const result = await checkPack(pack);
	for (const { answers, message } of result.errors) process.stderr.write(`${describeAnswers(answers)}: ${message}\n`);
	for (const file of findReplacedFiles(pack)) {
		const replaced = file.layers.slice(0, -1).map((layer) => `${layer}'s`);
		const example = describeAnswers(file.answers[0] ?? {});
		log.warn(
			`${file.path} is replaced: ${file.layers.at(-1)} replaces ${replaced.join(" and ")} file (${file.answers.length} of ${result.combinations} combinations, e.g. ${example})`,
		);
	}
	if (result.errors.length > 0) {
		const failed = `${result.errors.length} of ${result.combinations} combinations of ${result.pack}`;
		throw new UserError(`${failed} failed to render`, 1);
	}
	log.step(`Rendered ${result.combinations} combinations of ${result.pack}: no errors`);
	const generate = flags.updateFrom ? await checkUpgrade(flags.updateFrom, pack, log) : undefined;
	if (!flags.build) return;

	if (!Number.isInteger(flags.jobs) || flags.jobs < 1) throw new UserError("--jobs: give a whole number, 1 or more");
	const only = parseOnly(flags.only, pack);
	const steps = ["npm install", ...checkOf(pack).scripts].join(", ");
	const all = combinationsOf(pack).length;
	const started = Date.now();
	const filter = flags.only.length > 0 ? `--only ${flags.only.join(" --only ")}` : "";
	const selected = combinationsOf(pack).filter((answers) => matchesWhen(only, answers)).length;
	const left = filter ? `; the ${all - selected} others are not built (${filter})` : "";
	log.step(`Building ${selected} of ${all} combinations of ${pack.name} (${steps})${left}`);
	const results = await buildCombinations(pack, { only, jobs: flags.jobs, log, signal, generate });
	const took = `${((Date.now() - started) / 60_000).toFixed(1)} min`;
	const failed = results.filter((r) => !r.ok);
	if (failed.length > 0) {
		const kept = failed[0]?.kept?.replace(/[\\/][^\\/]+$/, "");
		throw new UserError(
			`${failed.length} of ${results.length} built combinations of ${pack.name} failed (${took}); projects and logs kept in ${kept}`,
			1,
		);
	}
	log.step(`Built ${results.length} of ${all} combinations of ${pack.name}: all passed ${steps} (${took})`);
}

/** `pack check --update-from OLDER`: every combination of OLDER updates cleanly to the pack checked. */
async function checkUpgrade(ref: string, pack: Pack, log: Logger) {
	const older = await loadPack(ref);
	const results = checkUpdatePath(older, pack);
	for (const { answers, problems } of results.filter((r) => r.problems.length > 0))
		process.stderr.write(`${describeAnswers(answers)}: ${problems.join("; ")}\n`);
	const failed = results.filter((r) => r.problems.length > 0).length;
	const path = `${older.name} ${older.version} (${ref}) to ${pack.name} ${pack.version}`;
	if (failed > 0)
		throw new UserError(`${failed} of ${results.length} combinations do not update cleanly from ${path}`, 1);
	log.step(`Updated ${results.length} untouched combinations from ${path}: no conflicts`);
	return generateUpdated(older, pack);
}

async function runPackInit(flags: Flags, log: Logger): Promise<void> {
	if (!flags.directory) throw new UserError("pack init needs a folder for the new pack");
	const files = await initPack(String(flags.directory));
	log.step(`Wrote a pack with ${files.length} files in ${flags.directory}`);
	process.stdout.write(`Try it: create-backend-starter pack check ${flags.directory}\n`);
}

function isCI(): boolean {
	const ci = process.env.CI;
	return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

/** One line for an expected error (and its stack with --verbose); the message and stack of anything else. */
function report(error: unknown, reporting: Reporting): number {
	const expected = error instanceof UserError;
	const code = expected ? error.exitCode : 1;
	const message = expected ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
	if (reporting.json) process.stdout.write(`${JSON.stringify({ error: message, exitCode: code })}\n`);
	// After a Ctrl-C the terminal's cursor sits behind the echoed ^C.
	const interrupted = code >= 130 ? "\n" : "";
	process.stderr.write(`${interrupted}${paint(process.stderr, "red", "error:")} ${message}\n`);
	if (reporting.verbose || !expected) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
	return code;
}
