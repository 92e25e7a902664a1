import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { quote, UserError } from "./log.js";
import { randomBytes } from "./random.js";
import type { PlannedFile } from "./render.js";

export interface WriteOptions {
	/** Write into a non-empty folder, replacing the files the plan contains (never deleting others). */
	force?: boolean;
	/** Called for each file once it is in place. */
	onFile?: (file: PlannedFile) => void;
	/** Called when an abandoned staging folder of an earlier, killed run is removed. */
	onStale?: (dir: string) => void;
}

export interface WriteResult {
	/** Files of the plan that existed before and were replaced (only with `force`). */
	overwritten: string[];
}

// Folders to remove if the process is interrupted: staging folders and parents this run created.
const pending = new Set<string>();

/** Removes whatever an interrupted write left; synchronous so it can run inside a signal handler. */
export function abortWrites(): boolean {
	const had = pending.size > 0;
	// Writes already handed to libuv's thread pool may still add a file while we delete: retry on ENOTEMPTY.
	for (const dir of pending) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
	pending.clear();
	return had;
}

/** Fails with exit code 2 when the target cannot be used (a file, a symlink, a non-empty folder without force). */
/**
 * What does not make a folder "not empty": version-control and desktop metadata, so `git init` (or a fresh clone
 * of an empty repository) before scaffolding needs no --force. The project's files are moved in beside them and
 * never replace one of them.
 */
const METADATA_ENTRIES = new Set([".git", ".hg", ".svn", ".DS_Store", "Thumbs.db"]);

export async function checkTarget(dir: string, force = false): Promise<"absent" | "empty" | "existing"> {
	const stat = attempt(
		() => lstatSync(dir),
		(error) => {
			if (error.code === "ENOENT") return undefined;
			throw ioError(error, dir);
		},
	);
	if (!stat) return "absent";
	if (stat.isSymbolicLink()) throw new UserError(`${dir} is a symlink; pass a real folder or a new name`);
	if (!stat.isDirectory()) throw new UserError(`${dir} exists and is not a folder`);
	const entries = attempt(
		() => readdirSync(dir),
		(error) => {
			throw ioError(error, dir);
		},
	);
	const blocking = entries.filter((entry) => !METADATA_ENTRIES.has(entry));
	if (blocking.length === 0) return "empty";
	if (!force) {
		const shown = blocking.slice(0, 8).map(quote).join(", ") + (blocking.length > 8 ? ", …" : "");
		throw new UserError(`${dir} is not empty (${shown}); choose another directory, or pass --force to write into it`);
	}
	return "existing";
}

/**
 * Writes the plan into a hidden staging folder beside `dir`, then renames it into place in one step, so a failure
 * or Ctrl-C leaves nothing behind. With `force` and an existing folder, the staged files are moved in one by one.
 */
export async function writeFiles(plan: PlannedFile[], dir: string, options: WriteOptions = {}): Promise<WriteResult> {
	const target = path.resolve(dir);
	const state = await checkTarget(target, options.force);
	const parent = path.dirname(target);
	// Registered before the folders exist: a signal may arrive after mkdir created one but before we hear of it.
	const createdParent = firstMissing(parent);
	if (createdParent) pending.add(createdParent);
	attempt(
		() => mkdirSync(parent, { recursive: true }),
		(error) => {
			abortWrites();
			throw ioError(error, parent);
		},
	);
	removeStale(target, options.onStale);
	const staging = path.join(parent, `.${path.basename(target)}.cbs-${process.pid}-${randomBytes(3).toString("hex")}`);
	pending.add(staging);
	try {
		mkdirSync(staging);
		await stage(plan, staging);
		const overwritten = state === "existing" ? moveInto(plan, staging, target) : [];
		if (state === "absent") renameSync(staging, target);
		// An empty folder is kept, not replaced: a shell sitting in it (`create-backend-starter .`) keeps seeing it.
		if (state === "empty") moveEntries(staging, target);
		for (const file of plan) options.onFile?.(file);
		return { overwritten };
	} catch (error) {
		abortWrites();
		throw error instanceof UserError ? error : ioError(error as NodeJS.ErrnoException, target);
	} finally {
		if (createdParent) pending.delete(createdParent);
		if (pending.delete(staging)) rmSync(staging, { recursive: true, force: true });
	}
}

async function stage(plan: PlannedFile[], staging: string): Promise<void> {
	// Synchronous writes: a few dozen small files take a few milliseconds this way, against ~15 ms of CPU through
	// the thread pool (open, write, close per file). A signal that arrives meanwhile is handled at the next pause
	// (its handler removes the staging folder and exits): every 100 files, and always before the rename.
	// Folders one by one, parents first and never recursively.
	// Where /tmp is ext4 without a journal and many files were deleted in the last minutes (e.g. by npm installs
	// being removed), each mkdir/create costs ~0.5-1.5 ms of kernel CPU: the inode allocator skips recently deleted
	// inodes one by one (recently_deleted() in perf). Creating through the thread pool (all at once, per-folder
	// chains, or half on the pool and half here) did not shorten that on the shared 2-core machine (measured
	// 2026-11-22: two busy threads got ~1.1-1.25 cores there) and cost ~1-3 ms more where the file system was fresh.
	const dirs = new Set(plan.flatMap((f) => ancestors(f.path)));
	for (const d of [...dirs].sort()) mkdirSync(path.join(staging, d));
	for (const [i, file] of plan.entries()) {
		// "wx" never follows or replaces an existing entry.
		writeFileSync(path.join(staging, file.path), file.content, { mode: file.mode, flag: "wx" });
		if (i % 100 === 99) await pause();
	}
	await pause();
}

/** One turn of the event loop, in which a pending signal's handler runs before this promise resolves. */
function pause(): Promise<void> {
	return new Promise((resolve) => setImmediate(resolve));
}

function moveEntries(staging: string, target: string): void {
	const entries = readdirSync(staging);
	// The target may hold metadata (see METADATA_ENTRIES); a pack that writes one of those names needs --force.
	const taken = entries.find((entry) => lstatSync(path.join(target, entry), { throwIfNoEntry: false }));
	if (taken) throw new UserError(`${target} already has ${quote(taken)}; pass --force to write into it`);
	const moved: string[] = [];
	try {
		for (const entry of entries) {
			renameSync(path.join(staging, entry), path.join(target, entry));
			moved.push(entry);
		}
	} catch (error) {
		for (const entry of moved) rmSync(path.join(target, entry), { recursive: true, force: true });
		throw error;
	}
}

function moveInto(plan: PlannedFile[], staging: string, target: string): string[] {
	const overwritten: string[] = [];
	for (const file of plan) {
		for (const d of ancestors(file.path)) {
			const stat = lstatSync(path.join(target, d), { throwIfNoEntry: false });
			if (stat && !stat.isDirectory())
				throw new UserError(`cannot write ${file.path}: ${d} in ${target} is not a folder`);
		}
		const existing = lstatSync(path.join(target, file.path), { throwIfNoEntry: false });
		if (existing?.isDirectory()) throw new UserError(`cannot write ${file.path}: it is a folder in ${target}`);
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

/** `a/b/c.txt` → [`a`, `a/b`]. */
function ancestors(file: string): string[] {
	const parts = file.split("/").slice(0, -1);
	return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** A run killed with SIGKILL cannot clean up; the next run for the same target does it. */
function removeStale(target: string, onStale?: (dir: string) => void): void {
	const prefix = `.${path.basename(target)}.cbs-`;
	for (const entry of attempt(
		() => readdirSync(path.dirname(target)),
		() => [],
	)) {
		const pid = Number(entry.slice(prefix.length).split("-")[0]);
		if (!entry.startsWith(prefix) || !pid || isAlive(pid)) continue;
		rmSync(path.join(path.dirname(target), entry), { recursive: true, force: true });
		onStale?.(entry);
	}
}

/** `fn()`, or what `onError` makes of the file-system error it threw. */
function attempt<T, U>(fn: () => T, onError: (error: NodeJS.ErrnoException) => U): T | U {
	try {
		return fn();
	} catch (error) {
		return onError(error as NodeJS.ErrnoException);
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
