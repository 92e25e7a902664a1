import { diff3Merge } from "node-diff3";
import { mergePackageJson } from "./merge-json.js";

/** What an update does to one file of the project. */
export type FileAction = "updated" | "merged" | "conflict" | "added" | "deleted" | "kept" | "unchanged";

/** A file as a render (base, theirs) produced it. */
export interface RenderedFile {
	content: Buffer;
	mode: number;
}

export interface MergeInput {
	/** The recorded pack version rendered with the recorded answers: the project as it was made. */
	base: Map<string, RenderedFile>;
	/** The target pack rendered with the new answers. */
	theirs: Map<string, RenderedFile>;
	/** The files on disk, for every path of base and theirs; undefined when the file is absent. */
	ours: Map<string, Buffer | undefined>;
	/** Files that hold secrets (`.env`): never overwritten; only the variables they lack are appended. */
	privateFiles: string[];
	/** Shown on the `>>>>>>>` line of a conflict, e.g. `create-backend-starter 0.2.0`. */
	theirsLabel: string;
}

export interface MergedFile {
	path: string;
	action: FileAction;
	/** What to write (updated, merged, conflict with markers, added); absent for the others. */
	content?: Buffer;
	mode?: number;
	/** Why a file is kept or in conflict, in a few words. */
	note?: string;
}

export interface MergePlan {
	files: MergedFile[];
	conflicts: { path: string; message: string }[];
}

/**
 * The three-way merge of a project, in memory: per path of base or theirs, what to do with the file on disk.
 * Untouched by the user → replaced; changed by both → merged line by line (a clash gets git-style markers);
 * package.json → merged key by key; dropped by the new version → deleted if untouched, else kept; deleted by the
 * user → stays deleted; new → added; a private file (`.env`) → never replaced, the variables it lacks appended.
 */
export function mergeProject(input: MergeInput): MergePlan {
	const paths = [...new Set([...input.base.keys(), ...input.theirs.keys()])].sort();
	const files = paths.map((file) => mergeFile(file, input));
	const conflicts = files
		.filter((f) => f.action === "conflict")
		.map((f) => ({ path: f.path, message: f.note ?? "changed by you and by the new version" }));
	return { files, conflicts };
}

function mergeFile(file: string, input: MergeInput): MergedFile {
	const base = input.base.get(file);
	const theirs = input.theirs.get(file);
	const ours = input.ours.get(file);
	const same = (a?: Buffer, b?: Buffer) => a !== undefined && b !== undefined && a.equals(b);

	if (!theirs) {
		// Only base has it: the new version drops the file.
		if (ours === undefined) return { path: file, action: "unchanged", note: "already gone" };
		if (same(ours, base?.content)) return { path: file, action: "deleted" };
		return { path: file, action: "kept", note: "changed by you; the new version no longer has it" };
	}
	const write = (action: FileAction, content: Buffer, note?: string): MergedFile => ({
		path: file,
		action,
		content,
		mode: theirs.mode,
		...(note ? { note } : {}),
	});
	if (ours === undefined) {
		if (!base) return write("added", theirs.content);
		if (same(base.content, theirs.content)) return { path: file, action: "unchanged", note: "deleted by you" };
		return { path: file, action: "kept", note: "deleted by you; stays deleted (the new version changed it)" };
	}
	if (input.privateFiles.includes(file)) return appendMissingVariables(file, ours, theirs);
	if (same(ours, theirs.content)) return { path: file, action: "unchanged" };
	if (base && same(ours, base.content)) return write("updated", theirs.content);
	if (base && same(theirs.content, base.content)) return { path: file, action: "unchanged", note: "changed by you" };

	if (file === "package.json") {
		const merged = mergePackageJson(base?.content, ours, theirs.content);
		if (merged.conflicts.length > 0)
			return write(
				"conflict",
				merged.content,
				`keys changed by you and by the new version: ${merged.conflicts.join("; ")}`,
			);
		return write("merged", merged.content);
	}
	const text = mergeText(base?.content ?? Buffer.alloc(0), ours, theirs.content, input.theirsLabel);
	if (!text)
		return {
			path: file,
			action: "conflict",
			note: "a binary file changed by you and by the new version; yours is kept",
		};
	return text.conflicts > 0
		? write("conflict", text.content, `${text.conflicts} conflicting ${text.conflicts === 1 ? "hunk" : "hunks"} marked`)
		: write("merged", text.content);
}

/**
 * Line by line diff3 (node-diff3): both sides' changes where they do not touch, a clash as git-style markers
 * (`<<<<<<< yours`, `=======`, `>>>>>>> label`). Undefined for a file that is not UTF-8 text.
 */
export function mergeText(
	base: Buffer,
	ours: Buffer,
	theirs: Buffer,
	theirsLabel: string,
): { content: Buffer; conflicts: number } | undefined {
	const texts = [base, ours, theirs].map(utf8);
	if (texts.some((t) => t === undefined)) return undefined;
	const [o, a, b] = texts.map((t) => lines(t as string)) as [string[], string[], string[]];
	const out: string[] = [];
	let conflicts = 0;
	for (const region of diff3Merge(a, o, b, { excludeFalseConflicts: true })) {
		if (region.ok) out.push(...region.ok);
		else if (region.conflict) {
			conflicts += 1;
			out.push("<<<<<<< yours\n", ...endLines(region.conflict.a), "=======\n");
			out.push(...endLines(region.conflict.b), `>>>>>>> ${theirsLabel}\n`);
		}
	}
	return { content: Buffer.from(out.join("")), conflicts };
}

/**
 * `.env`: the user's file stays as it is; variables that the new render has and it lacks are appended with the
 * new render's values (fresh secrets).
 */
function appendMissingVariables(file: string, ours: Buffer, theirs: RenderedFile): MergedFile {
	const have = new Set(variableNames(ours.toString("utf8")));
	const missing = theirs.content
		.toString("utf8")
		.split("\n")
		.filter((line) => {
			const name = variableName(line);
			return name !== undefined && !have.has(name);
		});
	if (missing.length === 0) return { path: file, action: "unchanged" };
	const text = ours.toString("utf8");
	const joined = `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`;
	return {
		path: file,
		action: "merged",
		content: Buffer.from(joined),
		mode: theirs.mode,
		note: `appended ${missing.map(variableName).join(", ")}`,
	};
}

function variableNames(text: string): string[] {
	return text.split("\n").flatMap((line) => variableName(line) ?? []);
}

/** `export JWT_SECRET=…` or `JWT_SECRET=…` → JWT_SECRET; comments and blank lines → undefined. */
function variableName(line: string): string | undefined {
	return /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
}

/** Lines with their `\n` kept, so that the merge gives back the exact bytes (a missing last newline included). */
function lines(text: string): string[] {
	return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** A conflict side's last line may lack its newline (end of file); the marker after it must start a line. */
function endLines(side: string[]): string[] {
	const last = side.at(-1);
	return last === undefined || last.endsWith("\n") ? side : [...side.slice(0, -1), `${last}\n`];
}

function utf8(buffer: Buffer): string | undefined {
	const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
	try {
		const decoded = text.decode(buffer);
		return decoded.includes("\u0000") ? undefined : decoded;
	} catch {
		return undefined;
	}
}
