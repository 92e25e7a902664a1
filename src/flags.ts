import yargs, { type Argv, type Options } from "yargs";
import { PACKAGE_MANAGERS, type PackageManager } from "./install.js";
import { UserError } from "./log.js";
import type { Pack } from "./packs.js";

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
	/** update/add --from: the pack version the project was made with; pack check --update-from: an older pack. */
	from?: string;
	updateFrom?: string;
	allowDirty?: boolean;
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
	"update-from": {
		type: "string",
		describe: "Also render every combination with this older pack and update it to this one: no conflict allowed",
	},
} satisfies Record<string, Options>;

const UPDATE_FLAGS = {
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
const ADD_FLAGS = (({ set, pack, ...rest }) => rest)(UPDATE_FLAGS);

const GLOBAL_FLAGS = {
	verbose: { type: "boolean", describe: "List every file written; show a stack with an error" },
	help: { alias: "h", type: "boolean", describe: "Show this help" },
} satisfies Record<string, Options>;

const USAGE = {
	create: "$0 [directory] [options]\n\nCreate a backend project in DIRECTORY (its last segment is the package name)",
	"pack check":
		"$0 pack check <pack> [--build [--only name=value,…] [--jobs N]]\n\nValidate a pack and render every combination of its options",
	"pack init": "$0 pack init <directory>\n\nWrite a new pack that extends the built-in one",
	update:
		"$0 update [directory] [options]\n\nBring a generated project to the pack at hand by a three-way merge, keeping your changes",
	add: "$0 add <name=value>... [directory] [options]\n\nChange answers of a generated project (update --set at the recorded pack version)",
};
const EPILOGUE =
	"Template packs:\n  create-backend-starter pack init <dir>   a new pack extending the built-in one\n  create-backend-starter pack check <pack> validate it, render every combination\nLater:\n  create-backend-starter update [dir]      bring the project to the current pack, keeping your changes\n  create-backend-starter add auth=jwt      change an answer of a generated project";

/** yargs with the flags of every command: it reads the command line once, and stops at a wrong value. */
function commandLine(argv: string[]): Argv {
	return yargs(argv)
		.help(false) // our own --help and --version: yargs' would print and carry on, or exit the process
		.version(false)
		.options({ ...CREATE_FLAGS, ...CHECK_FLAGS, ...UPDATE_FLAGS, ...GLOBAL_FLAGS })
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
	const command = commandOf(words);
	if (command.startsWith("pack") && words[1] !== "check" && words[1] !== "init") {
		throw new UserError("name a subcommand: check or init (see --help)");
	}
	// --only and --set are the flags meant to be repeated.
	const repeatable = new Set(["only", "set"]);
	const flags = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, repeatable.has(k) ? v : single(k, v)]));
	const defined = new Set([...Object.keys(OWN_FLAGS[command]), ...Object.keys(GLOBAL_FLAGS)].map(camelCase));
	const undefinedFlags = Object.keys(flags).filter((key) => !defined.has(key));
	// add's arguments: name=value answers, and at most one directory.
	const setting = (word: string) => command === "add" && /^[a-z][a-z0-9_-]*=/.test(word);
	const positional = command === "create" ? words : words.slice(command.startsWith("pack") ? 2 : 1);
	const [argument, ...extra] = positional.filter((word) => !setting(word));
	const unknown = [...(command === "create" ? [] : undefinedFlags), ...extra];
	if (unknown.length > 0) {
		const hint = command === "update" || command === "add" ? "; an answer is changed with --set name=value" : "";
		throw new UserError(`Unknown argument: ${unknown.join(", ")}${hint} (see --help)`);
	}
	const set = command === "add" ? positional.filter(setting) : ((flags.set as unknown[] | undefined) ?? []).map(String);
	if (command === "add" && set.length === 0 && !flags.help)
		throw new UserError("add needs at least one answer as name=value, e.g. `create-backend-starter add auth=jwt`");
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
		set,
	};
}

function commandOf(words: string[]): Flags["command"] {
	if (words[0] === "update" || words[0] === "add") return words[0];
	if (words[0] !== "pack") return "create";
	return words[1] === "init" ? "pack init" : "pack check";
}

const OWN_FLAGS: Record<Flags["command"], Record<string, Options>> = {
	create: CREATE_FLAGS,
	"pack check": CHECK_FLAGS,
	"pack init": {},
	update: UPDATE_FLAGS,
	add: ADD_FLAGS,
};

function camelCase(flag: string): string {
	return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
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
			{ type: "string", choices: o.choices, describe: `${o.message} (default: ${o.default})`, group } as const,
		]),
	);
	const own = command === "create" ? { ...optionFlags, ...CREATE_FLAGS } : OWN_FLAGS[command];
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
