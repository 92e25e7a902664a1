import { type Flags, GLOBAL_FLAGS, OWN_FLAGS } from "./flags.js";
import { describeWhen, type Pack, type PackOption } from "./packs.js";

const TOOL = "create-backend-starter";

const USAGE: Record<Flags["command"], string[]> = {
	create: [
		`Usage: ${TOOL} [directory] [options]`,
		"",
		"Creates a backend project in DIRECTORY; its last segment is the package name. A folder named like a command word (help, pack) is given as ./help or ./pack.",
	],
	"pack check": [
		`Usage: ${TOOL} pack check <pack> [--build [--only name=value,…] [--jobs N]]`,
		"",
		"Validates a pack and renders every combination of its options.",
	],
	"pack init": [`Usage: ${TOOL} pack init <directory>`, "", "Writes a new pack that extends the built-in one."],
	update: [
		`Usage: ${TOOL} update [directory] [options]`,
		"",
		"Brings a generated project to the pack at hand by a three-way merge, keeping your changes (docs/update.md).",
	],
	add: [
		`Usage: ${TOOL} add <name=value>... [directory] [options]`,
		"",
		"Changes answers of a generated project, e.g. add auth=jwt: update --set at the recorded pack version.",
	],
};

/** What a flag takes, shown after its name (`--preset <file.json>`); flags not listed take no value. */
const VALUES: Record<string, string> = {
	name: "name",
	pack: "folder|package",
	preset: "file.json",
	pm: "npm|pnpm|yarn|bun",
	only: "name=value,…",
	jobs: "n",
	set: "name=value",
	from: "folder|name@version",
	"update-from": "older pack",
};

/** Install and git are on by default: the flag users type is the one that turns them off. */
const SHOWN_AS: Record<string, [string, string]> = {
	install: ["--no-install", "Do not install the dependencies (installed by default)"],
	git: ["--no-git", "No git init and first commit (made by default)"],
};

type Row = [left: string, right: string];

/** `--help`: usage, examples, the pack's options with what each choice means, the CLI's flags; fits `width`. */
export function helpText(command: Flags["command"], pack?: Pack, width = terminalWidth()): string {
	const sections: [string, Row[]][] = [];
	if (command === "create" && pack) {
		sections.push(["Examples:", examples(pack)]);
		sections.push([`Options of the pack ${pack.name}:`, pack.options.flatMap(optionRows)]);
	}
	const own = OWN_FLAGS[command];
	sections.push(["Options:", flagRows({ ...own, ...GLOBAL_FLAGS })]);
	if (command === "create") {
		sections.push([
			"Template packs:",
			[
				[`${TOOL} pack init <dir>`, "a new pack extending the built-in one"],
				[`${TOOL} pack check <pack>`, "validate it, render every combination"],
			],
		]);
		sections.push([
			"Later, in a generated project:",
			[
				[`${TOOL} update`, "bring it to the current pack, keeping your changes"],
				[`${TOOL} add auth=jwt`, "change an answer (add a feature)"],
			],
		]);
	}
	const lines = USAGE[command].flatMap((line) => (line ? wrap(line, width) : [""]));
	for (const [title, rows] of sections) lines.push("", title, ...table(rows, width));
	return lines.join("\n");
}

function examples(pack: Pack): Row[] {
	const defaults = pack.options.map((o) => `--${o.name} ${o.default}`).join(" ");
	const rows: Row[] = [
		[`${TOOL} my-api`, "asks for each option below (in a terminal)"],
		[`${TOOL} my-api --yes`, `takes every default${defaults ? `: ${defaults}` : ""}`],
	];
	const first = pack.options.find((o) => o.choices.length > 1);
	const other = first?.choices.find((c) => c !== first.default);
	if (first && other) {
		const meaning = first.descriptions?.[other];
		rows.push([
			`${TOOL} my-api --${first.name} ${other} --yes`,
			meaning ?? "one choice by flag, defaults for the rest",
		]);
	}
	rows.push([`${TOOL} ./help`, "a project in a folder named help"]);
	return rows;
}

function optionRows(option: PackOption): Row[] {
	const head: Row = [`--${option.name} <${option.choices.join("|")}>`, `${option.message} (${optionNote(option)})`];
	const choices = option.choices
		.filter((choice) => option.descriptions?.[choice])
		.map((choice): Row => [`    ${choice}`, option.descriptions?.[choice] ?? ""]);
	return [head, ...choices];
}

/** `default: postgres; only with --db sql` */
function optionNote(option: PackOption): string {
	const only = option.when ? `; only with ${describeWhen(option.when, "flag")}` : "";
	return `default: ${option.default}${only}`;
}

function flagRows(flags: Record<string, { describe: string; alias?: string }>): Row[] {
	return Object.entries(flags).map(([name, flag]): Row => {
		const shown = SHOWN_AS[name];
		if (shown) return shown;
		const alias = flag.alias ? `-${flag.alias}, ` : "";
		const value = VALUES[name] ? ` <${VALUES[name]}>` : "";
		return [`${alias}--${name}${value}`, flag.describe];
	});
}

/**
 * Two columns: the left one as wide as its longest entry up to a third of the width; a longer entry puts its
 * description on the next line. Descriptions wrap at word boundaries within the width.
 */
function table(rows: Row[], width: number): string[] {
	const indent = 2;
	const gap = 2;
	const fitting = rows.map(([left]) => left.length).filter((n) => n <= Math.floor(width / 3));
	const column = indent + Math.max(0, ...fitting) + gap;
	const lines: string[] = [];
	for (const [left, right] of rows) {
		const text = wrap(right, width - column);
		const head = " ".repeat(indent) + left;
		if (head.length + gap > column) {
			lines.push(...wrap(left, width - indent).map((l) => " ".repeat(indent) + l));
			lines.push(...text.map((l) => " ".repeat(column) + l));
		} else {
			const [first = "", ...rest] = text;
			lines.push(head.padEnd(column) + first, ...rest.map((l) => " ".repeat(column) + l));
		}
	}
	return lines.map((line) => line.trimEnd());
}

/** Splits `text` into lines of at most `width` characters at spaces (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = "";
	for (const word of text.split(/\s+/).filter(Boolean)) {
		if (line && line.length + 1 + word.length > width) {
			lines.push(line);
			line = word;
		} else line = line ? `${line} ${word}` : word;
	}
	if (line || lines.length === 0) lines.push(line);
	return lines;
}

/** The terminal's width, 80 without one, at most 100 (long lines are hard to read). */
function terminalWidth(): number {
	return Math.min(100, process.stdout.columns || 80);
}
