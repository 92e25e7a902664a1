import { PACKAGE_MANAGERS, type PackageManager } from "./install.js";
import { UserError } from "./log.js";
import type { Pack } from "./packs.js";

/** One flag of the create command, in the form yargs' `.options()` takes. */
export interface Flag {
	type: "string" | "boolean";
	describe: string;
	alias?: string;
	choices?: readonly string[];
	default?: boolean;
	group?: string;
}

/** The create command's flags: the pack's options first, then the CLI's own. The one table both parsers read. */
export function createFlags(pack: Pack | undefined): Record<string, Flag> {
	const packFlags = Object.fromEntries(
		(pack?.options ?? []).map((o): [string, Flag] => [
			o.name,
			{
				type: "string",
				choices: o.choices,
				describe: `${o.message} (default: ${o.default})`,
				group: `Options of the pack ${pack?.name}:`,
			},
		]),
	);
	return {
		...packFlags,
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
	};
}

/** What the create command takes from its arguments, whichever parser read them. */
export interface CreateArgs {
	/** The first positional argument (after `--`, a directory like `-x` arrives here too). */
	directory?: string;
	/** The pack's options that were given, by name. */
	answers: Record<string, string>;
	name?: string;
	pack?: string;
	preset?: string;
	pm?: PackageManager;
	yes: boolean;
	install: boolean;
	git: boolean;
	dryRun: boolean;
	json: boolean;
	force: boolean;
	verbose: boolean;
	help: boolean;
	version: boolean;
}

/**
 * Parses the create command's arguments. Plain ones (known flags, each at most once, values among their choices,
 * at most one positional) are read by parsePlain from the same flag table; everything else — `--help`,
 * `--version`, any mistake, repeated or unusual flags — goes to yargs, which writes the help and the error
 * messages. yargs costs ~10 ms to load and run; test/args.test.ts holds both parsers to the same result.
 */
export async function parseCreateArgs(
	argv: string[],
	pack: Pack | undefined,
): Promise<{ args: CreateArgs; help?: () => Promise<string> }> {
	const flags = createFlags(pack);
	const fast = parsePlain(argv, flags);
	if (fast) return { args: toCreateArgs(fast, pack) };
	const parser = await buildParser(argv, pack, flags);
	const args = toCreateArgs(single(await parser.parseAsync(), argv), pack);
	return { args, help: () => Promise.resolve(parser.getHelp()) };
}

// yargs-parser's test for a number: such positionals, `true`/`false` after a boolean flag and `-` it reads its own way.
const NUMBER = /^(?:0x[0-9a-f]+|-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)$/i;

/**
 * The fast path: the arguments in the shape yargs gives them (after `single`), or undefined when they are not
 * plain enough to be sure yargs would read them the same way. It reads only `--flag`, `--flag=value`,
 * `--flag value`, `--no-flag` (for a flag that defaults to true), the one-letter alias `-y`, and at most one
 * positional; anything else — `--`, grouped or unknown short flags, unknown or repeated flags, a value that is
 * missing, empty, looks like a flag or is not among the choices, `--help`/`--version` — is left to yargs.
 * (node:util's parseArgs did the same in ~6 M instructions, loading its module; this costs a fraction of that.)
 */
export function parsePlain(argv: string[], flags: Record<string, Flag>): Record<string, unknown> | undefined {
	const out: Record<string, unknown> = { _: [] };
	for (const [name, flag] of Object.entries(flags)) if (flag.default !== undefined) out[camel(name)] = flag.default;
	const seen = new Set<string>();
	const positionals: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] as string;
		if (!arg.startsWith("-")) {
			if (NUMBER.test(arg) || arg === "true" || arg === "false") return undefined;
			positionals.push(arg);
			continue;
		}
		let name: string;
		let value: string | boolean | undefined;
		if (arg.startsWith("--")) {
			const eq = arg.indexOf("=");
			name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
			if (eq >= 0) value = arg.slice(eq + 1);
			const negated = name.startsWith("no-") && eq < 0 && flags[name.slice(3)]?.default === true;
			if (negated) {
				name = name.slice(3);
				value = false;
			}
		} else {
			// `-y`: a one-letter alias given alone (grouped letters, and every other short flag, go to yargs).
			const alias = Object.entries(flags).find(([, flag]) => arg.length === 2 && flag.alias === arg.slice(1));
			if (!alias) return undefined;
			name = alias[0];
		}
		const flag = flags[name];
		if (!flag || name === "help" || name === "version" || seen.has(name)) return undefined;
		seen.add(name);
		if (flag.type === "boolean") {
			if (typeof value === "string") return undefined;
			value ??= true;
		} else {
			if (value === undefined) {
				value = argv[i + 1];
				i += 1;
			}
			if (typeof value !== "string" || value === "" || value.startsWith("-")) return undefined;
			if (flag.choices && !flag.choices.includes(value)) return undefined;
		}
		out[camel(name)] = value;
	}
	if (positionals.length > 1) return undefined;
	if (positionals.length === 1) out.directory = positionals[0];
	return out;
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The parsed arguments (either parser's) as the create command uses them. */
export function toCreateArgs(args: Record<string, unknown>, pack: Pack | undefined): CreateArgs {
	const answers = Object.fromEntries(
		(pack?.options ?? []).filter((o) => args[o.name] !== undefined).map((o) => [o.name, String(args[o.name])]),
	);
	return {
		directory: (args.directory ?? (args._ as unknown[])[0]) as string | undefined,
		answers,
		name: args.name as string | undefined,
		pack: args.pack as string | undefined,
		preset: args.preset as string | undefined,
		pm: args.pm as PackageManager | undefined,
		yes: Boolean(args.yes),
		install: args.install !== false,
		git: args.git !== false,
		dryRun: Boolean(args.dryRun),
		json: Boolean(args.json),
		force: Boolean(args.force),
		verbose: Boolean(args.verbose),
		help: Boolean(args.help),
		version: Boolean(args.version),
	};
}

/** The yargs parser of the create command: the source of --help and of every usage error. */
export async function buildParser(argv: string[], pack: Pack | undefined, flags = createFlags(pack)) {
	const { default: yargs } = await import("yargs");
	return (
		yargs(argv)
			.scriptName("create-backend-starter")
			.command("$0 [directory]", "Create a backend project in DIRECTORY (its last segment is the package name)")
			.positional("directory", { type: "string" })
			// Our own --help/--version: yargs' versions would print and carry on, or exit the process.
			.help(false)
			.version(false)
			.options(flags as Record<string, Flag & { choices?: string[] }>)
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
export function single(args: Record<string, unknown>, argv: string[]): Record<string, unknown> {
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
