import yargs, { type Argv, type Options } from "yargs";
import { PACKAGE_MANAGERS, type PackageManager } from "./install.js";
import { UserError } from "./log.js";
import { describeWhen, type Pack, type PackOption } from "./packs.js";

/** The command line, as yargs read it (once); a flag given twice with different values is refused. */
export interface Flags {
	command: "create" | "pack check" | "pack init";
	/** The project folder (after `--`, a name like `-x` arrives here too); pack init: the pack's folder. */
	directory?: string;
	/** --pack; pack check: the pack to check. */
	pack?: string;
	/** Flags the CLI does not define: the pack's options (`--api rest`), checked by answersFromFlags. */
	optionFlags: Record<string, unknown>;
	name?: string;
	preset?: string;
	pm?: PackageManager;
	install: boolean;
	git: boolean;
	yes?: boolean;
	dryRun?: boolean;
	json?: boolean;
	force?: boolean;
	verbose?: boolean;
	help?: boolean;
	version?: boolean;
	/** pack check --build [--only name=value,…] [--jobs N] */
	build?: boolean;
	only: string[];
	jobs: number;
}

/** How errors are reported; filled in as soon as yargs has read the flags, before it validates them. */
export interface Reporting {
	json: boolean;
	verbose: boolean;
}

const CREATE_FLAGS = {
	name: { type: "string", describe: "Package name, when it differs from the folder (e.g. @acme/api)" },
	pack: { type: "string", describe: "A template pack: a folder or an npm package (default: the built-in pack)" },
	preset: { type: "string", describe: "A JSON file of answers; flags win over it" },
	yes: { alias: "y", type: "boolean", describe: "Take the default for every option not given; never ask" },
	pm: {
		type: "string",
		choices: PACKAGE_MANAGERS,
		describe: "Package manager (default: the one that ran this, or npm)",
	},
	// An array, so that `--install --no-install` arrives as both values and is refused, not settled by order.
	install: { type: "boolean", array: true, describe: "Install dependencies (default; --no-install to skip)" },
	git: { type: "boolean", array: true, describe: "git init and a first commit (default; --no-git to skip)" },
	"dry-run": { type: "boolean", describe: "Print the files and their layers; write nothing" },
	json: { type: "boolean", describe: "Print one JSON object on stdout; messages go to stderr" },
	force: { type: "boolean", describe: "Write into a non-empty folder; overwritten files are listed, none deleted" },
	version: { alias: "v", type: "boolean", describe: "Show the version" },
} satisfies Record<string, Options>;

const CHECK_FLAGS = {
	build: { type: "boolean", describe: "Also generate each combination, install it and run the pack's checks" },
	only: {
		type: "string",
		array: true,
		implies: "build",
		describe: "Build only combinations with these values, e.g. --only db=sql --only api=rest,graphql",
	},
	jobs: { type: "number", describe: "Combinations built at a time (default: 1)" },
} satisfies Record<string, Options>;

const GLOBAL_FLAGS = {
	verbose: { type: "boolean", describe: "List every file written; show a stack with an error" },
	help: { alias: "h", type: "boolean", describe: "Show this help" },
} satisfies Record<string, Options>;

const USAGE = {
	create: "$0 [directory] [options]\n\nCreate a backend project in DIRECTORY (its last segment is the package name)",
	"pack check":
		"$0 pack check <pack> [--build [--only name=value,…] [--jobs N]]\n\nValidate a pack and render every combination of its options",
	"pack init": "$0 pack init <directory>\n\nWrite a new pack that extends the built-in one",
};
const EPILOGUE =
	"Template packs:\n  create-backend-starter pack init <dir>   a new pack extending the built-in one\n  create-backend-starter pack check <pack> validate it, render every combination";

/** yargs with the flags of every command: it reads the command line once, and stops at a wrong value. */
function commandLine(argv: string[]): Argv {
	return yargs(argv)
		.help(false) // our own --help and --version: yargs' would print and carry on, or exit the process
		.version(false)
		.options({ ...CREATE_FLAGS, ...CHECK_FLAGS, ...GLOBAL_FLAGS })
		.parserConfiguration({
			"duplicate-arguments-array": true,
			"strip-aliased": true,
			"strip-dashed": true,
			// Answers are strings: `--name 123` is the name "123".
			"parse-numbers": false,
			"parse-positional-numbers": false,
		})
		.exitProcess(false)
		.fail((message, error) => {
			throw new UserError(`${(message ?? error?.message ?? "invalid usage").replace(/\s*\n\s*/g, " ")} (see --help)`);
		});
}

/**
 * Reads the command line. Flags of another command are refused; flags no command defines are kept for create as
 * optionFlags: the pack's options, checked by answersFromFlags once the pack is loaded.
 */
export async function parseFlags(argv: string[], reporting: Reporting): Promise<Flags> {
	const { _, $0, ...given } = await commandLine(argv)
		.middleware((args) => {
			Object.assign(reporting, { json: args.json === true, verbose: args.verbose === true });
		}, true)
		.parseAsync();
	const words = _.map(String);
	const command = words[0] !== "pack" ? "create" : words[1] === "init" ? "pack init" : "pack check";
	if (command !== "create" && words[1] !== "check" && words[1] !== "init") {
		throw new UserError("name a subcommand: check or init (see --help)");
	}
	// --only is the one flag meant to be repeated.
	const flags = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, k === "only" ? v : single(k, v)]));
	const own = command === "create" ? CREATE_FLAGS : command === "pack check" ? CHECK_FLAGS : {};
	const defined = new Set([...Object.keys(own), ...Object.keys(GLOBAL_FLAGS), command === "create" ? "dryRun" : ""]);
	const undefinedFlags = Object.keys(flags).filter((key) => !defined.has(key));
	const [argument, ...extra] = command === "create" ? words : words.slice(2);
	const unknown = [...(command === "create" ? [] : undefinedFlags), ...extra];
	if (unknown.length > 0) throw new UserError(`Unknown argument: ${unknown.join(", ")} (see --help)`);
	return {
		...flags,
		command,
		directory: command === "pack check" ? undefined : argument,
		pack: command === "pack check" ? argument : (flags.pack as string | undefined),
		optionFlags: Object.fromEntries(undefinedFlags.filter(() => command === "create").map((k) => [k, flags[k]])),
		install: flags.install !== false,
		git: flags.git !== false,
		only: ((flags.only as unknown[] | undefined) ?? []).map(String),
		jobs: Number(flags.jobs ?? 1),
	};
}

/** The pack's options given as flags, checked as yargs checks the CLI's own: known, among the choices, once. */
export function answersFromFlags(optionFlags: Record<string, unknown>, pack: Pack): Record<string, string> {
	const unknown = Object.keys(optionFlags).filter((key) => !pack.options.some((o) => o.name === key));
	if (unknown.length > 0) {
		const names = unknown.map((key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
		throw new UserError(`Unknown argument${names.length > 1 ? "s" : ""}: ${names.join(", ")} (see --help)`);
	}
	const answers: Record<string, string> = {};
	for (const option of pack.options.filter((o) => o.name in optionFlags)) {
		// `--api` without a value arrives as true, `--no-api` as false: neither is a choice.
		const given = optionFlags[option.name];
		const value = typeof given === "string" ? given : "";
		if (!option.choices.includes(value)) {
			const choices = option.choices.map((c) => JSON.stringify(c)).join(", ");
			throw new UserError(
				`Invalid values: Argument: ${option.name}, Given: ${JSON.stringify(value)}, Choices: ${choices} (see --help)`,
			);
		}
		answers[option.name] = value;
	}
	return answers;
}

/** `--help` for a command: its flags, and for create the pack's options and the pack commands. */
export async function helpText(command: Flags["command"], pack?: Pack): Promise<string> {
	const group = `Options of the pack ${pack?.name}:`;
	const optionFlags = Object.fromEntries(
		(pack?.options ?? []).map((o) => [
			o.name,
			{ type: "string", choices: o.choices, describe: `${o.message} (${optionNote(o)})`, group } as const,
		]),
	);
	const own = command === "create" ? { ...optionFlags, ...CREATE_FLAGS } : command === "pack check" ? CHECK_FLAGS : {};
	return yargs([])
		.scriptName("create-backend-starter")
		.usage(USAGE[command])
		.help(false) // before .options: yargs warns of a reserved word when --version is declared first
		.version(false)
		.options({ ...own, ...GLOBAL_FLAGS })
		.epilogue(command === "create" ? EPILOGUE : "")
		.wrap(Math.min(110, process.stdout.columns || 80))
		.getHelp();
}

/** `default: postgres; only with --db sql` */
function optionNote(option: PackOption): string {
	const only = option.when ? `; only with ${describeWhen(option.when, "flag")}` : "";
	return `default: ${option.default}${only}`;
}

/** A flag given twice with different values is a mistake to report, not a choice to make silently. */
function single(key: string, value: unknown): unknown {
	if (!Array.isArray(value)) return value;
	const values = [...new Set(value)];
	if (values.length > 1) {
		const shown = values.map((v) => (v === true ? `--${key}` : v === false ? `--no-${key}` : String(v)));
		throw new UserError(`--${key} was given twice with different values (${shown.join(", ")})`);
	}
	return values[0];
}
