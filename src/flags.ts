import yargs, { type Argv, type Options } from "yargs";
import { PACKAGE_MANAGERS, type PackageManager } from "./install.js";
import { UserError } from "./log.js";
import type { Pack } from "./packs.js";
import { unknownArgumentsMessage, wrongValueMessage } from "./suggest.js";

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

export const CREATE_FLAGS = {
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

export const CHECK_FLAGS = {
	build: { type: "boolean", describe: "Also generate each combination, install it and run the pack's checks" },
	only: {
		type: "string",
		array: true,
		implies: "build",
		describe: "Build only combinations with these values, e.g. --only db=sql --only api=rest,graphql",
	},
	jobs: { type: "number", describe: "Combinations built at a time (default: 1)" },
} satisfies Record<string, Options>;

export const GLOBAL_FLAGS = {
	verbose: { type: "boolean", describe: "List every file written; show a stack with an error" },
	help: { alias: "h", type: "boolean", describe: "Show this help" },
} satisfies Record<string, Options>;

/** yargs with the flags of every command: it reads the command line once, and stops at a wrong value. */
function commandLine(argv: string[]): Argv {
	return (
		yargs(argv)
			.help(false) // our own --help and --version: yargs' would print and carry on, or exit the process
			.version(false)
			// --pm's choices are checked by parseFlags, which can say which one was meant.
			.options({ ...CREATE_FLAGS, pm: { ...CREATE_FLAGS.pm, choices: undefined }, ...CHECK_FLAGS, ...GLOBAL_FLAGS })
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
			})
	);
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
	// `help` is a command word, like `pack`: a project folder named help is given as ./help.
	const helpWord = words[0] === "help";
	if (helpWord) words.shift();
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
	const unknownFlags = command === "create" ? [] : undefinedFlags.map(kebab);
	if (unknownFlags.length + extra.length > 0) {
		throw new UserError(unknownArgumentsMessage(unknownFlags, extra, [...defined].filter(Boolean).map(kebab)));
	}
	if (flags.pm !== undefined && !PACKAGE_MANAGERS.includes(flags.pm as PackageManager)) {
		const message = wrongValueMessage({ name: "pm", choices: [...PACKAGE_MANAGERS] }, String(flags.pm));
		throw new UserError(`${message} (see --help)`);
	}
	return {
		...flags,
		help: flags.help === true || helpWord,
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
		const known = [...pack.options.map((o) => o.name), ...Object.keys({ ...CREATE_FLAGS, ...GLOBAL_FLAGS })];
		throw new UserError(unknownArgumentsMessage(unknown.map(kebab), [], [...known, "no-install", "no-git"]));
	}
	const answers: Record<string, string> = {};
	for (const option of pack.options.filter((o) => o.name in optionFlags)) {
		// `--api` without a value arrives as true, `--no-api` as false: neither is a choice.
		const given = optionFlags[option.name];
		const value = typeof given === "string" ? given : "";
		if (!option.choices.includes(value)) throw new UserError(`${wrongValueMessage(option, value)} (see --help)`);
		answers[option.name] = value;
	}
	return answers;
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

/** `dryRun` → `dry-run`: yargs hands flags over in camel case, users type them in kebab case. */
function kebab(key: string): string {
	return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
