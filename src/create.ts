import path from "node:path";
import {
	detectPackageManager,
	expectSteps,
	initGit,
	installDependencies,
	type PackageManager,
	type Step,
} from "./install.js";
import { type Logger, silentLogger, UserError } from "./log.js";
import { type Answers, readPreset, resolveAnswers, resolveTarget } from "./options.js";
import { BUILTIN_PACK, loadPack, type Pack, toolVersion } from "./packs.js";
import type { Ask } from "./prompts.js";
import { type PlannedFile, planFiles } from "./render.js";
import { checkTarget, writeFiles } from "./write.js";

/** Everything `createProject` needs; only `directory` is required (or `ask`, which then asks for it). */
export interface CreateOptions {
	/** The project folder, relative to `cwd` or absolute; its last segment is the package name. */
	directory?: string;
	/** The package name, when it should differ from the folder's name (e.g. `@acme/api`). */
	name?: string;
	/** A pack folder, npm package or loaded pack; the built-in pack by default. */
	pack?: string | Pack;
	/** Answers given up front (the CLI's `--<option>` flags); they are never asked again. */
	answers?: Record<string, string>;
	/** A JSON file of answers, or the answers themselves; `answers` win over it. */
	preset?: string | Answers;
	/** Asks for the directory and every option still missing; without it they take their defaults. */
	ask?: Ask;
	/** Write into a non-empty folder, replacing the files the pack writes (never deleting others). */
	force?: boolean;
	/** Plan only: nothing is written and no post step runs. */
	dryRun?: boolean;
	/** Run `<pm> install` (default true). */
	install?: boolean;
	/** Run `git init` and a first commit (default true). */
	git?: boolean;
	pm?: PackageManager;
	cwd?: string;
	log?: Logger;
	/** Post-step output goes to stderr instead of being inherited. */
	json?: boolean;
}

export interface CreateResult {
	directory: string;
	name: string;
	pack: { name: string; version: string };
	answers: Answers;
	files: { path: string; layer: string; mode: string; bytes: number }[];
	overwritten: string[];
	steps: Step[];
	/** The commands printed after "Done. Now run:". */
	nextSteps: string[];
	/** A command that makes the same project again. */
	command: string;
	dryRun: boolean;
	pm: PackageManager;
}

/** The whole pipeline: pack → answers → plan → write → git, install. A failed post step is in `steps`, not thrown. */
export async function createProject(options: CreateOptions): Promise<CreateResult> {
	const cwd = options.cwd ?? process.cwd();
	const log = options.log ?? silentLogger;
	const pack = typeof options.pack === "object" ? options.pack : await loadPack(options.pack, cwd);
	const directory =
		options.directory ?? (await askDirectory(options.ask, (dir) => resolveTarget(dir, options.name, cwd)));
	const target = resolveTarget(directory, options.name, cwd);
	const preset = typeof options.preset === "string" ? readPreset(options.preset, cwd) : options.preset;
	const answers = await resolveAnswers(pack.options, { preset, flags: options.answers, ask: options.ask });
	const command = reproduce(pack, target, directory, answers);
	const stamp = { version: toolVersion(), pack: { name: pack.name, version: pack.version }, answers, command };
	const plan = planFiles(pack, { answers, projectName: target.name, stamp });
	const result = summary(pack, target, answers, plan, command, options);
	// A dry run still says whether the real run would be refused (non-empty folder, symlink …).
	await checkTarget(target.dir, options.force);
	if (options.dryRun) return result;

	log.step(`Creating ${target.name} in ${shown(target.dir, cwd)} (${describeAnswers(answers)})`);
	const { overwritten } = await writeFiles(plan, target.dir, {
		force: options.force,
		onFile: (file) => log.detail(`wrote ${file.path}`),
		onStale: (dir) => log.warn(`removed ${dir}, left behind by an interrupted run`),
	});
	for (const file of overwritten) log.warn(`overwrote ${file}`);
	log.step(`Wrote ${plan.length} files`);
	result.overwritten = overwritten;
	expectSteps(result.nextSteps[0] ?? "", {
		git: options.git !== false,
		install: options.install !== false && result.pm,
	});
	if (options.git !== false) result.steps.push(await initGit(target.dir, log));
	if (options.install !== false) result.steps.push(await installDependencies(target.dir, result.pm, log, options.json));
	return result;
}

async function askDirectory(ask: Ask | undefined, check: (directory: string) => unknown): Promise<string> {
	if (!ask)
		throw new UserError(
			"missing the project directory: pass it as the first argument, e.g. `create-backend-starter my-api`",
		);
	const { directory } = await ask([
		{
			name: "directory",
			message: "Project directory (its name is the package name)",
			initial: "my-api",
			validate: (value) => {
				try {
					check(value.trim());
				} catch (error) {
					// Without the quoted input: a long line breaks the prompt's layout.
					return (error as Error).message.replace(/^.*?\): /, "");
				}
			},
		},
	]);
	if (!directory) throw new UserError("missing the project directory");
	return directory.trim();
}

function summary(
	pack: Pack,
	target: { dir: string; name: string },
	answers: Answers,
	plan: PlannedFile[],
	command: string,
	options: CreateOptions,
): CreateResult {
	const pm = options.pm ?? detectPackageManager();
	const rel = shown(target.dir, options.cwd ?? process.cwd());
	const nextSteps = [`cd ${/\s/.test(rel) ? JSON.stringify(rel) : rel}`];
	if (options.install === false || options.dryRun) nextSteps.push(`${pm} install`);
	for (const script of pack.nextSteps) nextSteps.push(`${pm} run ${script}`);
	return {
		directory: target.dir,
		name: target.name,
		pack: { name: pack.name, version: pack.version },
		answers,
		files: plan.map((f) => ({ path: f.path, layer: f.layer, mode: f.mode.toString(8), bytes: f.content.length })),
		overwritten: [],
		steps: [],
		nextSteps,
		command,
		dryRun: Boolean(options.dryRun),
		pm,
	};
}

/** A relative path from cwd when the project is below it, else the absolute one. */
export function shown(dir: string, cwd: string): string {
	const rel = path.relative(cwd, dir);
	return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : dir;
}

function describeAnswers(answers: Answers): string {
	return Object.entries(answers)
		.map(([k, v]) => `${k}=${v}`)
		.join(", ");
}

/** `npx create-backend-starter DIR [--name N] [--pack P] --option value … --yes`, machine-independent. */
function reproduce(pack: Pack, target: { dir: string; name: string }, directory: string, answers: Answers): string {
	const folder = path.basename(target.dir);
	// A scoped directory (`@acme/api`) is typed as such; otherwise the folder's name, plus --name if it differs.
	const parts = ["npx create-backend-starter", target.name === directory ? directory : folder];
	if (target.name !== directory && target.name !== folder) parts.push("--name", target.name);
	if (pack.ref !== BUILTIN_PACK) parts.push("--pack", pack.ref);
	for (const [k, v] of Object.entries(answers)) parts.push(`--${k}`, v);
	return [...parts, "--yes"].join(" ");
}
