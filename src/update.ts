import { existsSync, lstatSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { reproduce } from "./create.js";
import { installDependencies, type PackageManager, type Step } from "./install.js";
import { type Logger, quote, silentLogger, UserError } from "./log.js";
import { type FileAction, type MergePlan, mergeProject, type RenderedFile } from "./merge.js";
import type { Answers } from "./options.js";
import { type PackageManagerData, packageManagerData } from "./package-manager.js";
import { BUILTIN_PACK, describeWhen, loadPack, matchesWhen, type Pack } from "./packs.js";
import { runCommand } from "./process.js";
import { type ProjectRecord, readProject, recordFor } from "./record.js";
import { planFiles } from "./render.js";
import { loadBase } from "./update-base.js";
import { writeFiles } from "./write.js";

export interface UpdateSettings {
	/** The project folder; the current one by default. */
	directory?: string;
	/** `name=value` answers to change (`--set`, or `add`'s arguments). */
	set?: string[];
	/** update: the pack to move to; the recorded pack as this tool has it now by default. */
	pack?: string | Pack;
	/** The pack the project was made with, when the tool cannot get it itself. */
	from?: string | Pack;
	/** add: stay on the recorded pack version, change answers only. */
	keepVersion?: boolean;
	dryRun?: boolean;
	/** Run the package manager when dependencies changed (default true). */
	install?: boolean;
	/** Run although git shows uncommitted changes. */
	allowDirty?: boolean;
	cwd?: string;
	log?: Logger;
	childOutput?: "inherit" | "stderr";
	signal?: AbortSignal;
}

export interface UpdateResult {
	directory: string;
	from: { pack: string; version: string; answers: Answers };
	to: { pack: string; version: string; answers: Answers };
	files: { path: string; action: FileAction; note?: string }[];
	conflicts: { path: string; message: string }[];
	steps: Step[];
	dryRun: boolean;
}

/**
 * `update` and `add`: base = the recorded pack version with the recorded answers, theirs = the target pack with
 * the new answers, ours = the disk; merged in memory (mergeProject), then written like `create` writes (staged,
 * nothing half-written), then the package manager when dependencies changed. Conflicts are in the result; the CLI
 * turns them into exit 3.
 */
export async function updateProject(settings: UpdateSettings): Promise<UpdateResult> {
	const cwd = settings.cwd ?? process.cwd();
	const log = settings.log ?? silentLogger;
	const dir = path.resolve(cwd, settings.directory ?? ".");
	const { pkg, record } = readProject(dir);
	if (settings.keepVersion && settings.pack) throw new UserError("add keeps the recorded pack: --pack is for update");
	const git = await checkClean(dir, settings, log);

	const base = await loadBase(record, { from: settings.from, projectDir: dir, cwd, log, signal: settings.signal });
	const target = settings.keepVersion ? base : await loadTarget(record, settings.pack, dir, cwd);
	const answers = newAnswers(record, target, settings.set ?? []);
	const projectName = record.projectName ?? String(pkg.name ?? path.basename(dir));

	// The templates name the package manager's commands: both renders use the one recorded (npm before it was).
	const pm = record.packageManager ?? { name: "npm" as const, version: "" };
	const pmData = packageManagerData(pm.name, pm.version);
	// The base renders with the record as it is, so that its package.json is the one written then, byte for byte.
	const baseFiles = render(base, record.answers, projectName, { ...record }, pmData);
	const command = reproduce(target, { dir, name: projectName }, path.basename(dir), answers, pmData);
	const stamp = recordFor(target, { answers, projectName, projectDir: dir, command, packageManager: pm });
	// add stays on the recorded pack version: where it came from is still what the record says (the base may have
	// been read from a cache or --from folder).
	if (settings.keepVersion) stamp.pack = { ...record.pack, hash: record.pack.hash ?? stamp.pack.hash };
	const theirsFiles = render(target, answers, projectName, { ...stamp }, pmData);
	const ours = readOurs(dir, [...new Set([...baseFiles.keys(), ...theirsFiles.keys()])]);
	const plan = mergeProject({
		base: baseFiles,
		theirs: theirsFiles,
		ours,
		privateFiles: [...new Set([".env", ...base.privateFiles, ...target.privateFiles])],
		theirsLabel: `${target.name} ${target.version}`,
	});

	const result: UpdateResult = {
		directory: dir,
		from: { pack: record.pack.name, version: record.pack.version, answers: record.answers },
		to: { pack: target.name, version: target.version, answers },
		files: plan.files.map((f) => ({ path: f.path, action: f.action, ...(f.note ? { note: f.note } : {}) })),
		conflicts: plan.conflicts,
		steps: [],
		dryRun: Boolean(settings.dryRun),
	};
	if (settings.dryRun) return result;
	await applyPlan(plan, dir, settings, log);
	if (!git) log.warn(`${dir} is not in a git repository: there is no undo for this update but your own copy`);
	if (settings.install !== false && dependenciesChanged(ours.get("package.json"), plan)) {
		const manager = packageManagerOf(dir, pm.name);
		result.steps.push(
			await installDependencies(
				dir,
				manager,
				{ log, signal: settings.signal, output: settings.childOutput },
				// pnpm and Yarn 2+ keep the lockfile frozen under CI; the update changed the dependencies on purpose.
				packageManagerData(manager, manager === pm.name ? pm.version : "").firstInstallArgs,
			),
		);
		if (settings.signal?.aborted)
			throw new UserError("Aborted; the files are updated, the install did not finish", 130);
	}
	return result;
}

/** The recorded pack as this tool has it now (the built-in one, the package beside the project, the folder). */
async function loadTarget(record: ProjectRecord, pack: string | Pack | undefined, dir: string, cwd: string) {
	if (typeof pack === "object") return pack;
	if (pack) return loadPack(pack, cwd);
	const source = record.pack.source ?? { type: "builtin" as const };
	if (source.type === "builtin") return loadPack(BUILTIN_PACK);
	if (source.type === "npm") return loadPack(source.name, dir);
	return loadPack(source.path, dir);
}

/**
 * The recorded answers, with --set applied, for the target pack's options; an option the pack gained takes its
 * default, one it lost is dropped. A --set naming no option, or a value not among the choices, is exit 2.
 */
export function newAnswers(record: ProjectRecord, pack: Pack, set: string[]): Answers {
	const changes: Answers = {};
	for (const item of set) {
		const [name = "", ...rest] = item.split("=");
		const value = rest.join("=");
		const option = pack.options.find((o) => o.name === name);
		if (!item.includes("=") || !option) {
			const names = pack.options.map((o) => o.name).join(", ");
			const what = item.includes("=") ? `${pack.name} has no option ${quote(name)}` : "give it as name=value";
			throw new UserError(`${quote(item)}: ${what}; the options are ${names}`);
		}
		if (!option.choices.includes(value))
			throw new UserError(`${quote(item)}: ${name} must be one of ${option.choices.join(", ")}`);
		changes[name] = value;
	}
	const answers: Answers = {};
	for (const option of pack.options) {
		// As at creation: an option whose `when` the answers so far do not match has no value (a recorded one goes).
		if (!matchesWhen(option.when, answers)) {
			if (Object.hasOwn(changes, option.name))
				throw new UserError(
					`${option.name}=${changes[option.name]} applies only with ${describeWhen(option.when, "set")}`,
				);
			continue;
		}
		const value = changes[option.name] ?? record.answers[option.name] ?? option.default;
		if (!option.choices.includes(value)) {
			throw new UserError(
				`the recorded answer ${option.name}=${value} is not a choice of ${pack.name} ${pack.version} (${option.choices.join(", ")}): pass --set ${option.name}=<one of them>`,
			);
		}
		answers[option.name] = value;
	}
	return answers;
}

function render(
	pack: Pack,
	answers: Answers,
	projectName: string,
	stamp: Record<string, unknown>,
	packageManager: PackageManagerData,
) {
	const files = new Map<string, RenderedFile>();
	for (const file of planFiles(pack, { answers, projectName, stamp, packageManager })) files.set(file.path, file);
	return files;
}

/** The files on disk at the paths the merge looks at; undefined for an absent one. */
function readOurs(dir: string, paths: string[]): Map<string, Buffer | undefined> {
	const ours = new Map<string, Buffer | undefined>();
	for (const file of paths) {
		const abs = path.join(dir, file);
		let stat: ReturnType<typeof lstatSync>;
		try {
			stat = lstatSync(abs, { throwIfNoEntry: false });
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") throw error;
			throw new UserError(`${quote(file)}: a file in ${dir} stands where the pack has a folder: move it away first`);
		}
		if (stat && !stat.isFile())
			throw new UserError(`${quote(file)} in ${dir} is not a regular file (a folder or link): move it away first`);
		ours.set(file, stat ? readFileSync(abs) : undefined);
	}
	return ours;
}

/** Refuses a dirty tree (exit 2) unless allowed; false when there is no git to review or undo with. */
async function checkClean(dir: string, settings: UpdateSettings, log: Logger): Promise<boolean> {
	const status = await runCommand("git", ["status", "--porcelain", "--", "."], {
		cwd: dir,
		output: "capture",
		signal: settings.signal,
	});
	if (status.missing || status.exitCode !== 0) {
		if (settings.dryRun) log.warn(`${dir} is not in a git repository: an update would have no undo`);
		return false;
	}
	if (status.output.trim() !== "" && !settings.allowDirty && !settings.dryRun) {
		throw new UserError(
			`${dir} has uncommitted changes (git status): commit or stash them first, so that the update can be reviewed with git diff and undone, or pass --allow-dirty`,
		);
	}
	return true;
}

/** Writes what changed like create does (staged, then moved into place), then deletes what the new version drops. */
async function applyPlan(plan: MergePlan, dir: string, settings: UpdateSettings, log: Logger): Promise<void> {
	const writes = plan.files.flatMap((f) =>
		f.content ? [{ path: f.path, content: f.content, mode: f.mode ?? 0o644, layer: f.action }] : [],
	);
	if (writes.length > 0) {
		await writeFiles(writes, dir, {
			force: true,
			signal: settings.signal,
			onFile: (file) => log.detail(`${file.layer} ${file.path}`),
		}).catch((error) => {
			throw settings.signal?.aborted ? new UserError("Aborted; nothing was changed", 130) : error;
		});
	}
	for (const file of plan.files.filter((f) => f.action === "deleted")) {
		rmSync(path.join(dir, file.path), { force: true });
		removeEmptyParents(dir, path.dirname(file.path));
		log.detail(`deleted ${file.path}`);
	}
}

function removeEmptyParents(dir: string, rel: string): void {
	for (let folder = rel; folder !== "." && folder !== ""; folder = path.dirname(folder)) {
		try {
			rmdirSync(path.join(dir, folder));
		} catch {
			return;
		}
	}
}

const DEPENDENCY_KEYS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

function dependenciesChanged(before: Buffer | undefined, plan: MergePlan): boolean {
	const after = plan.files.find((f) => f.path === "package.json")?.content;
	if (!after) return false;
	const deps = (content: Buffer | undefined) => {
		try {
			const pkg = JSON.parse(content?.toString("utf8") ?? "{}");
			return DEPENDENCY_KEYS.map((key) => pkg[key] ?? {});
		} catch {
			return [];
		}
	};
	return !isDeepStrictEqual(deps(before), deps(after));
}

/** The package manager whose lock file the project has, else the recorded one. */
function packageManagerOf(dir: string, recorded: PackageManager): PackageManager {
	const locks: [string, PackageManager][] = [
		["pnpm-lock.yaml", "pnpm"],
		["yarn.lock", "yarn"],
		["bun.lock", "bun"],
		["bun.lockb", "bun"],
		["package-lock.json", "npm"],
	];
	return locks.find(([file]) => existsSync(path.join(dir, file)))?.[1] ?? recorded;
}
