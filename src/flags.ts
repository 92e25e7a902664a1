import yargs, { type Argv, type Options } from "yargs";
import { PACKAGE_MANAGERS, type PackageManager } from "./install.js";
import { UserError } from "./log.js";
import type { Pack } from "./packs.js";
import { unknownArgumentsMessage, wrongValueMessage } from "./suggest.js";

/** The command line, as yargs read it (once); a flag given twice with different values is refused. */
export interface Flags {
	command: "create" | "pack check" | "pack init" | "update" | "add";
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
	/** update --set name=value (repeatable); add: its name=value arguments. */
	set: string[];
	/** update/add --from: the pack version the project was made with. */
	from?: string;
	/** pack check --update-from: an older version of the pack, to update every combination from. */
	updateFrom?: string;
	allowDirty?: boolean;
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
	"update-from": {
		type: "string",
		describe: "Also render every combination with this older pack and update it to this one: no conflict allowed",
	},
} satisfies Record<string, Options>;

export const UPDATE_FLAGS = {
	set: { type: "string", array: true, describe: "Change an answer, e.g. --set auth=jwt (repeatable)" },
	pack: { type: "string", describe: "The pack to update to (default: the recorded pack as this tool has it now)" },
	from: {
		type: "string",
		describe: "The pack version the project was made with (a folder or name@version), when it cannot be fetched",
	},
	"dry-run": { type: "boolean", describe: "Say what would happen to each file; change nothing" },
	json: { type: "boolean", describe: "Print one JSON object on stdout; messages go to stderr" },
	install: { type: "boolean", array: true, describe: "Run the package manager when dependencies changed (default)" },
	"allow-dirty": { type: "boolean", describe: "Run although git shows uncommitted changes" },
} satisfies Record<string, Options>;
export const ADD_FLAGS = (({ set, pack, ...rest }) => rest)(UPDATE_FLAGS);

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
			.options({
				...CREATE_FLAGS,
				pm: { ...CREATE_FLAGS.pm, choices: undefined },
				...CHECK_FLAGS,
				...UPDATE_FLAGS,
				...GLOBAL_FLAGS,
			})
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
	const command = commandOf(words);
	if (command.startsWith("pack") && words[1] !== "check" && words[1] !== "init") {
		throw new UserError("name a subcommand: check or init (see --help)");
	}
	// --only and --set are the flags meant to be repeated.
	const repeatable = new Set(["only", "set"]);
	// yargs turns a bare `--set` into []: without this check it would be ignored without a word.
	for (const name of repeatable) {
		const values = given[name] as unknown[] | undefined;
		if (values !== undefined && (values.length === 0 || values.some((value) => String(value) === "")))
			throw new UserError(`--${name} needs a value as name=value, e.g. --${name} auth=jwt`);
	}
	const flags = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, repeatable.has(k) ? v : single(k, v)]));
	const defined = new Set([...Object.keys(OWN_FLAGS[command]), ...Object.keys(GLOBAL_FLAGS)].map(camelCase));
	const undefinedFlags = Object.keys(flags).filter((key) => !defined.has(key));
	// add's arguments: name=value answers, and at most one directory.
	const setting = (word: string) => command === "add" && /^[a-z][a-z0-9_-]*=/.test(word);
	const positional = command === "create" ? words : words.slice(command.startsWith("pack") ? 2 : 1);
	const [argument, ...extra] = positional.filter((word) => !setting(word));
	const unknownFlags = command === "create" ? [] : undefinedFlags.map(kebab);
	if (unknownFlags.length + extra.length > 0) {
		const message = unknownArgumentsMessage(unknownFlags, extra, [...defined].filter(Boolean).map(kebab));
		const hint = command === "update" || command === "add" ? "; an answer is changed with --set name=value" : "";
		throw new UserError(message.replace(/ \(see --help\)$/, `${hint} (see --help)`));
	}
	const set = command === "add" ? positional.filter(setting) : ((flags.set as unknown[] | undefined) ?? []).map(String);
	if (command === "add" && set.length === 0 && !flags.help && !helpWord)
		throw new UserError("add needs at least one answer as name=value, e.g. `create-backend-starter add auth=jwt`");
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
		set,
	};
}

function commandOf(words: string[]): Flags["command"] {
	if (words[0] === "update" || words[0] === "add") return words[0];
	if (words[0] !== "pack") return "create";
	return words[1] === "init" ? "pack init" : "pack check";
}

/** The flags each command defines (besides GLOBAL_FLAGS). */
export const OWN_FLAGS = {
	create: CREATE_FLAGS,
	"pack check": CHECK_FLAGS,
	"pack init": {},
	update: UPDATE_FLAGS,
	add: ADD_FLAGS,
} satisfies Record<Flags["command"], Record<string, Options>>;

function camelCase(flag: string): string {
	return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
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
