import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { quote, UserError } from "./log.js";
import type { PlannedFile } from "./render.js";

export interface WriteSettings {
	/** Write into a non-empty folder, replacing the files the plan contains (never deleting others). */
	force?: boolean;
	/** Stops the write (Ctrl-C): what this call wrote is removed, and the signal's reason is thrown. */
	signal?: AbortSignal;
	/** Called for each file once it is in place. */
	onFile?: (file: PlannedFile) => void;
	/** Called when an abandoned staging folder of an earlier, killed run is removed. */
	onStale?: (dir: string) => void;
}

export interface WriteResult {
	/** Files of the plan that existed before and were replaced (only with `force`). */
	overwritten: string[];
}

/**
 * What does not make a folder "not empty": version-control and desktop metadata, so `git init` (or a fresh clone
 * of an empty repository) before scaffolding needs no --force. The project's files are moved in beside them and
 * never replace one of them.
 */
const METADATA_ENTRIES = new Set([".git", ".hg", ".svn", ".DS_Store", "Thumbs.db"]);

/** Fails with exit code 2 when the target cannot be used (a file, a symlink, a non-empty folder without force). */
export async function checkTarget(dir: string, force = false): Promise<"absent" | "empty" | "existing"> {
	let entries: string[];
	try {
		const stat = lstatSync(dir, { throwIfNoEntry: false });
		if (!stat) return "absent";
		if (stat.isSymbolicLink()) throw new UserError(`${dir} is a symlink; pass a real folder or a new name`);
		if (!stat.isDirectory()) throw new UserError(`${dir} exists and is not a folder`);
		entries = readdirSync(dir);
	} catch (error) {
		throw error instanceof UserError ? error : ioError(error as NodeJS.ErrnoException, dir);
	}
	const blocking = entries.filter((entry) => !METADATA_ENTRIES.has(entry));
	if (blocking.length === 0) return "empty";
	if (!force) {
		const shown = blocking.slice(0, 8).map(quote).join(", ") + (blocking.length > 8 ? ", …" : "");
		throw new UserError(`${dir} is not empty (${shown}); choose another directory, or pass --force to write into it`);
	}
	return "existing";
}

/**
 * Writes the plan into a hidden staging folder beside `dir`, then renames it into place in one step. On a failure
 * or an abort this call removes what it created (its staging folder, and the parent folders it made), and
 * nothing else: two calls at once never clean up after each other. With `force` and an existing folder, the
 * staged files are moved in one by one.
 */
export async function writeFiles(plan: PlannedFile[], dir: string, settings: WriteSettings = {}): Promise<WriteResult> {
	const target = path.resolve(dir);
	const state = await checkTarget(target, settings.force);
	const parent = path.dirname(target);
	const createdParent = firstMissing(parent);
	const staging = path.join(parent, `.${path.basename(target)}.cbs-${process.pid}-${randomBytes(3).toString("hex")}`);
	let placed = false;
	try {
		settings.signal?.throwIfAborted();
		mkdirSync(parent, { recursive: true });
		removeStale(target, settings.onStale);
		mkdirSync(staging);
		await stage(plan, staging, settings.signal);
		// An existing folder is kept, not replaced: a shell sitting in it (`create-backend-starter .`) keeps seeing it.
		const overwritten = state === "absent" ? [] : moveInto(plan, staging, target, settings.force === true);
		if (state === "absent") renameSync(staging, target);
		placed = true;
		for (const file of plan) settings.onFile?.(file);
		return { overwritten };
	} catch (error) {
		if (error === settings.signal?.reason || error instanceof UserError) throw error;
		throw ioError(error as NodeJS.ErrnoException, target);
	} finally {
		rmSync(staging, { recursive: true, force: true });
		if (!placed && createdParent) removeEmptyFolders(parent, createdParent);
	}
}

/**
 * Synchronous writes: a few dozen small files take a few milliseconds this way, far less than through the thread
 * pool. Every 100 files, and before the files are placed, the event loop gets a turn, so that a Ctrl-C can abort.
 */
async function stage(plan: PlannedFile[], staging: string, signal: AbortSignal | undefined): Promise<void> {
	// Folders one by one, parents first and never recursively.
	const folders = new Set(plan.flatMap((file) => ancestors(file.path)));
	for (const folder of [...folders].sort()) mkdirSync(path.join(staging, folder));
	for (const [i, file] of plan.entries()) {
		// "wx" never follows or replaces an existing entry.
		writeFileSync(path.join(staging, file.path), file.content, { mode: file.mode, flag: "wx" });
		if (i % 100 === 99) await nextTurn(signal);
	}
	await nextTurn(signal);
}

function nextTurn(signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve) => setImmediate(resolve)).then(() => signal?.throwIfAborted());
}

/**
 * Moves the staged files into an existing folder one by one, after checking them all: never through a symlink or
 * over a folder, and over an existing file only with `force` (an "empty" folder may hold metadata, see above).
 */
function moveInto(plan: PlannedFile[], staging: string, target: string, force: boolean): string[] {
	const overwritten: string[] = [];
	for (const file of plan) {
		for (const folder of ancestors(file.path)) {
			const stat = lstatSync(path.join(target, folder), { throwIfNoEntry: false });
			if (stat && !stat.isDirectory())
				throw new UserError(`cannot write ${file.path}: ${folder} in ${target} is not a folder`);
		}
		const existing = lstatSync(path.join(target, file.path), { throwIfNoEntry: false });
		if (existing?.isDirectory()) throw new UserError(`cannot write ${file.path}: it is a folder in ${target}`);
		if (existing && !force)
			throw new UserError(`${target} already has ${quote(file.path)}; pass --force to write into it`);
		if (existing) overwritten.push(file.path);
	}
	for (const file of plan) {
		mkdirSync(path.dirname(path.join(target, file.path)), { recursive: true });
		renameSync(path.join(staging, file.path), path.join(target, file.path));
	}
	return overwritten;
}

/** The topmost folder of `dir` that does not exist yet (and so would be created), if any. */
function firstMissing(dir: string): string | undefined {
	let missing: string | undefined;
	for (let d = dir; !existsSync(d); d = path.dirname(d)) missing = d;
	return missing;
}

/** Removes `from` and its parents up to `upTo` while they are empty: another run may be writing into them. */
function removeEmptyFolders(from: string, upTo: string): void {
	for (let dir = from; ; dir = path.dirname(dir)) {
		try {
			rmdirSync(dir);
		} catch {
			return;
		}
		if (dir === upTo) return;
	}
}

/** `a/b/c.txt` → [`a`, `a/b`]. */
function ancestors(file: string): string[] {
	const parts = file.split("/").slice(0, -1);
	return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** A run killed with SIGKILL cannot clean up; the next run for the same target does it. */
function removeStale(target: string, onStale?: (dir: string) => void): void {
	const prefix = `.${path.basename(target)}.cbs-`;
	for (const entry of readdirSync(path.dirname(target))) {
		const pid = Number(entry.slice(prefix.length).split("-")[0]);
		if (!entry.startsWith(prefix) || !pid || isAlive(pid)) continue;
		rmSync(path.join(path.dirname(target), entry), { recursive: true, force: true });
		onStale?.(entry);
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}

const REASONS: Record<string, string> = {
	ENOSPC: "no space left on device",
	EDQUOT: "disk quota exceeded",
	EACCES: "permission denied",
	EPERM: "operation not permitted",
	EROFS: "read-only file system",
	ENAMETOOLONG: "file name too long",
};

/** Turns a file-system error into one readable line: exit 1, as the input was fine but the disk was not. */
function ioError(error: NodeJS.ErrnoException, where: string): UserError {
	// Another run (or person) created the target between our check and our rename.
	if (error.code === "ENOTEMPTY" || error.code === "EEXIST") {
		return new UserError(`${where} already exists: it appeared while this run was writing; nothing was changed`);
	}
	const reason = REASONS[error.code ?? ""] ?? error.message;
	return new UserError(`cannot write to ${where}: ${reason} (${error.code ?? "error"}); nothing was created`, 1);
}
