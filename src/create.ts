import path from "node:path";
import {
	detectPackageManager,
	GIT_BY_HAND,
	initGit,
	installDependencies,
	type PackageManager,
	type Step,
} from "./install.js";
import { type Logger, silentLogger, UserError } from "./log.js";
import { type Answers, readPreset, resolveAnswers, resolveTarget, type Target } from "./options.js";
import { type PackageManagerData, packageManagerData, packageManagerVersion } from "./package-manager.js";
import { BUILTIN_PACK, loadPack, matchesWhen, PACKAGE_NAME, type Pack, toolVersion } from "./packs.js";
import type { Ask } from "./prompts.js";
import { recordFor } from "./record.js";
import { planFiles } from "./render.js";
import { checkTarget, writeFiles } from "./write.js";

/** What `createProject` is asked to do; only `directory` is required (or `ask`, which then asks for it). */
export interface CreateSettings {
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
	/** The package manager's version (`4.5.0` decides Yarn 2+); asked of `<pm> --version` when not given. */
	pmVersion?: string;
	cwd?: string;
	log?: Logger;
	/** Where the install's output goes: shown live (default), or on stderr (the CLI's --json). */
	childOutput?: "inherit" | "stderr";
	/** Ctrl-C: stops writing (nothing is left) or the post step under way (the project stays), then rejects. */
	signal?: AbortSignal;
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
	/** The pack's notes for these answers, printed after the next steps (where the server listens, what it needs). */
	notes: string[];
	/** A command that makes the same project again. */
	command: string;
	dryRun: boolean;
	pm: PackageManager;
}

/** The whole pipeline: pack → answers → plan → write → git, install. A failed post step is in `steps`, not thrown. */
export async function createProject(settings: CreateSettings): Promise<CreateResult> {
	const cwd = settings.cwd ?? process.cwd();
	const log = settings.log ?? silentLogger;
	const pack = typeof settings.pack === "object" ? settings.pack : await loadPack(settings.pack, cwd);
	// The folder is checked before any other question: a non-empty one is refused at once, not after them all.
	const directory =
		settings.directory ??
		(await askDirectory(settings.ask, async (dir) => {
			await checkTarget(resolveTarget(dir, settings.name, cwd).dir, settings.force);
		}));
	const target = resolveTarget(directory, settings.name, cwd);
	if (settings.ask) await checkTarget(target.dir, settings.force);
	const preset = typeof settings.preset === "string" ? readPreset(settings.preset, cwd) : settings.preset;
	const answers = await resolveAnswers(pack.options, { preset, flags: settings.answers, ask: settings.ask });
	const pm = settings.pm ?? detectPackageManager();
	const packageManager = packageManagerData(pm, settings.pmVersion ?? (await packageManagerVersion(pm, cwd)));
	const command = reproduce(pack, target, directory, answers, packageManager);
	const stamp = recordFor(pack, {
		answers,
		projectName: target.name,
		projectDir: target.dir,
		command,
		packageManager: { name: packageManager.name, version: packageManager.version },
	});
	const plan = planFiles(pack, { answers, projectName: target.name, stamp: { ...stamp }, packageManager });
	const result: CreateResult = {
		directory: target.dir,
		name: target.name,
		pack: { name: pack.name, version: pack.version },
		answers,
		files: plan.map((f) => ({ path: f.path, layer: f.layer, mode: f.mode.toString(8), bytes: f.content.length })),
		overwritten: [],
		steps: [],
		nextSteps: nextSteps(pack, shown(target.dir, cwd), packageManager, settings),
		notes: pack.notes.filter((note) => matchesWhen(note.when, answers)).map((note) => note.text),
		command,
		dryRun: Boolean(settings.dryRun),
		pm,
	};
	// A dry run still says whether the real run would be refused (non-empty folder, symlink …).
	await checkTarget(target.dir, settings.force);
	if (settings.dryRun) return result;

	const shownAnswers = Object.entries(answers).map(([k, v]) => `${k}=${v}`);
	log.step(
		`Creating ${target.name} in ${shown(target.dir, cwd)}${shownAnswers.length ? ` (${shownAnswers.join(", ")})` : ""}`,
	);
	const { overwritten } = await writeFiles(plan, target.dir, {
		force: settings.force,
		signal: settings.signal,
		onFile: (file) => log.detail(`wrote ${file.path}`),
		onStale: (dir) => log.warn(`removed ${dir}, left behind by an interrupted run`),
	}).catch((error) => {
		throw settings.signal?.aborted ? interrupted(settings.signal, "nothing was created") : error;
	});
	for (const file of overwritten) log.warn(`overwrote ${file}`);
	log.step(`Wrote ${plan.length} files`);
	result.overwritten = overwritten;
	await runPostSteps(result, target.dir, packageManager, settings, log);
	return result;
}

/**
 * The install, then git, each skippable: the first commit then holds the lockfile (CI installs from it) and the
 * tree is clean. Ctrl-C stops the one under way and names what is left to run by hand.
 */
async function runPostSteps(
	result: CreateResult,
	dir: string,
	packageManager: PackageManagerData,
	settings: CreateSettings,
	log: Logger,
): Promise<void> {
	const steps = [
		settings.install !== false && {
			command: `${result.pm} install`,
			run: () =>
				installDependencies(
					dir,
					result.pm,
					{ log, signal: settings.signal, output: settings.childOutput },
					packageManager.firstInstallArgs,
				),
		},
		settings.git !== false && { command: GIT_BY_HAND, run: () => initGit(dir, { log, signal: settings.signal }) },
	].filter((step) => step !== false);
	for (const [i, step] of steps.entries()) {
		const done = await step.run();
		if (settings.signal?.aborted) {
			const left = [result.nextSteps[0], ...steps.slice(i).map((s) => s.command)].join(" && ");
			throw interrupted(settings.signal, `the project is in place, finish by hand with: ${left}`);
		}
		result.steps.push(done);
	}
}

/** The error for a Ctrl-C: the signal's reason (which carries the exit code), and what state it left. */
function interrupted(signal: AbortSignal, state: string): UserError {
	const exitCode = signal.reason instanceof UserError ? signal.reason.exitCode : 130;
	return new UserError(`Aborted; ${state}`, exitCode);
}

async function askDirectory(ask: Ask | undefined, check: (directory: string) => Promise<void>): Promise<string> {
	if (!ask)
		throw new UserError(
			"missing the project directory: pass it as the first argument, e.g. `create-backend-starter my-api`",
		);
	const { directory } = await ask([
		{
			name: "directory",
			message: "Project directory (its name is the package name)",
			initial: "my-api",
			validate: async (value) => {
				try {
					await check(value.trim());
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

/**
 * `cd my-api`, the install when it did not run (with --no-install and git, then a commit of the lockfile it
 * writes, which the first commit could not hold), and the pack's scripts (`npm run dev`).
 */
function nextSteps(pack: Pack, dir: string, pm: PackageManagerData, settings: CreateSettings): string[] {
	const steps = [`cd ${/\s/.test(dir) ? JSON.stringify(dir) : dir}`];
	if (settings.install === false || settings.dryRun) {
		steps.push(pm.install);
		if (settings.install === false && settings.git !== false && !settings.dryRun)
			steps.push(`git add ${pm.lockfile} && git commit -m "Add ${pm.lockfile}"`);
	}
	return [...steps, ...pack.nextSteps.map((script) => pm.run(script))];
}

/** A relative path from cwd when the project is below it, else the absolute one. */
export function shown(dir: string, cwd: string): string {
	const rel = path.relative(cwd, dir);
	return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : dir;
}

/**
 * `npx @backend-starter/create@0.1.0 DIR [--name N] [--pack P] --option value … --yes`, machine-independent: this
 * tool's version, run by the package manager that made the project (`pnpm dlx`, `yarn dlx`, `bunx`; npx for npm and
 * Yarn 1, which has no dlx), with `--pm` unless it is npm, so that the same package manager installs it again.
 */
export function reproduce(
	pack: Pack,
	target: Target,
	directory: string,
	answers: Answers,
	pm: PackageManagerData,
): string {
	const folder = path.basename(target.dir);
	// A scoped directory (`@acme/api`) is typed as such; otherwise the folder's name, plus --name if it differs.
	const parts = [pm.dlx(`${PACKAGE_NAME}@${toolVersion()}`), target.name === directory ? directory : folder];
	if (target.name !== directory && target.name !== folder) parts.push("--name", target.name);
	if (pack.ref !== BUILTIN_PACK) parts.push("--pack", pack.ref);
	for (const [k, v] of Object.entries(answers)) parts.push(`--${k}`, v);
	if (pm.name !== "npm") parts.push("--pm", pm.name);
	return [...parts, "--yes"].join(" ");
}
