import { readFileSync } from "node:fs";
import path from "node:path";
import validateName from "validate-npm-package-name";
import { quote, UserError } from "./log.js";
import type { PackOption } from "./packs.js";
import type { Ask } from "./prompts.js";

export type Answers = Record<string, string>;

export interface Target {
	/** Absolute path of the project folder. */
	dir: string;
	/** The npm package name written into package.json. */
	name: string;
}

// Device names that Windows refuses as file names, whatever the extension (projects get copied there).
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * The project folder and package name from the directory as typed. A relative directory must stay inside `cwd`
 * (no `..`); an absolute one is taken as the user's explicit choice. `@scope/name` creates the folder `name`.
 */
export function resolveTarget(directory: string, name: string | undefined, cwd: string): Target {
	const segments = directory.split(/[/\\]/);
	if (directory.startsWith("~"))
		throw new UserError(`directory ${quote(directory)} starts with "~": pass a path your shell expanded`);
	if (!path.isAbsolute(directory) && segments.includes("..")) {
		throw new UserError(
			`directory ${quote(directory)} leads outside the current folder; pass an absolute path to create a project elsewhere`,
		);
	}
	if (directory.trim() === "") throw new UserError("the project directory is empty: pass a folder name such as my-api");
	const scoped = directory.startsWith("@");
	// npm's own pattern for a scope; anything else starting with @ (`@a/b/c`, `@../x`) is not a scoped name.
	if (scoped && !/^@[a-z0-9-~][a-z0-9-._~]*\/[^/]+$/.test(directory)) {
		throw new UserError(`invalid project name ${quote(directory)}: a scoped name is @scope/name`);
	}
	const dir = path.resolve(cwd, scoped ? (segments[1] ?? "") : directory);
	const packageName = name ?? (scoped ? directory : path.basename(dir));
	checkName(packageName, name === undefined ? "the directory's last segment" : "--name");
	if (dir === path.parse(dir).root) throw new UserError("refusing to create a project at the root of the file system");
	return { dir, name: packageName };
}

/** Exit 2 with npm's own reason when the name cannot be published as a new package. */
export function checkName(name: string, source: string): void {
	const result = validateName(name);
	const problems = [...(result.errors ?? []), ...(result.warnings ?? [])];
	if (WINDOWS_RESERVED.test(name.replace(/^@[^/]*\//, ""))) problems.push("name is a reserved device name on Windows");
	if (problems.length > 0 || !result.validForNewPackages) {
		throw new UserError(
			`invalid project name ${quote(name)} (${source}): ${problems.join("; ") || "not a valid npm package name"}`,
		);
	}
}

/** Reads a --preset file: a JSON object of answers. */
export function readPreset(file: string, cwd: string): Answers {
	let data: unknown;
	try {
		data = JSON.parse(readFileSync(path.resolve(cwd, file), "utf8"));
	} catch (error) {
		throw new UserError(`cannot read preset ${quote(file)}: ${(error as Error).message}`);
	}
	if (!data || typeof data !== "object" || Array.isArray(data))
		throw new UserError(`preset ${quote(file)} is not a JSON object`);
	return data as Answers;
}

/** Checks given answers against the pack's options; `source` names where they came from in the message. */
export function checkAnswers(given: Record<string, unknown>, options: PackOption[], source: string): Answers {
	const answers: Answers = {};
	for (const [key, value] of Object.entries(given)) {
		const option = options.find((o) => o.name === key);
		if (!option)
			throw new UserError(
				`${source}: unknown option ${quote(key)}; the pack's options are ${options.map((o) => o.name).join(", ")}`,
			);
		if (typeof value !== "string" || !option.choices.includes(value)) {
			const hint = typeof value === "string" ? option.hints?.[value.toLowerCase()] : undefined;
			throw new UserError(
				`${source}: ${key} must be one of ${option.choices.join(", ")} (got ${quote(String(value))})${hint ? `: ${hint}` : ""}`,
			);
		}
		answers[key] = value;
	}
	return answers;
}

export interface AnswerSources {
	preset?: Answers;
	flags?: Answers;
	/** Ask for what is still missing; without it, missing options take their defaults. */
	ask?: Ask;
}

/** Defaults < preset < flags < answers to questions, which are asked only for options nothing else set. */
export async function resolveAnswers(options: PackOption[], sources: AnswerSources): Promise<Answers> {
	const given = {
		...checkAnswers(sources.preset ?? {}, options, "preset"),
		...checkAnswers(sources.flags ?? {}, options, "flag"),
	};
	const missing = options.filter((o) => given[o.name] === undefined);
	const asked = sources.ask && missing.length > 0 ? await sources.ask(missing.map(questionFor)) : {};
	const answers: Answers = {};
	for (const option of options) answers[option.name] = given[option.name] ?? asked[option.name] ?? option.default;
	return checkAnswers(answers, options, "answer");
}

function questionFor(option: PackOption) {
	return {
		name: option.name,
		message: option.message,
		choices: option.choices,
		descriptions: option.descriptions,
		initial: option.default,
	};
}
