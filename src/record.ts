import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { PackageManager } from "./install.js";
import { quote, UserError } from "./log.js";
import { BUILTIN_PACK, builtinPackDir, type Pack, toolVersion } from "./packs.js";

/** Where the pack of a project came from, so that `update` can get the very same version again. */
export type PackSource =
	/** The pack inside this tool's own npm package, fetched again as `<package>@<version>`. */
	| { type: "builtin"; package?: string }
	/** An npm package, fetched again as `<name>@<version>` from the registry the user's npm is set up for. */
	| { type: "npm"; name: string }
	/** A folder, relative to the project (`/`-separated), or absolute when it was given as such. */
	| { type: "folder"; path: string };

/** `package.json` → `createBackendStarter`: what is needed to render the project again, exactly. */
export interface ProjectRecord {
	/** The tool's version that made (or last updated) the project. */
	version: string;
	pack: {
		name: string;
		version: string;
		source?: PackSource;
		/** `sha256-<base64>` over every file of every layer (parents included) and the options: see packHash. */
		hash?: string;
	};
	answers: Record<string, string>;
	/** The package name the files were rendered with (the user may rename the package later). */
	projectName?: string;
	/** The package manager the templates were rendered for (its commands are in README, CI, Dockerfile). */
	packageManager?: { name: PackageManager; version: string };
	command?: string;
}

/** The record written into a new project's package.json. */
export function recordFor(
	pack: Pack,
	settings: {
		answers: Record<string, string>;
		projectName: string;
		projectDir: string;
		command: string;
		packageManager: { name: PackageManager; version: string };
	},
): ProjectRecord {
	return {
		version: toolVersion(),
		pack: { name: pack.name, version: pack.version, source: sourceOf(pack, settings.projectDir), hash: packHash(pack) },
		answers: settings.answers,
		projectName: settings.projectName,
		packageManager: settings.packageManager,
		command: settings.command,
	};
}

/**
 * How the pack was named, in a form that still holds on another machine: the built-in pack, an npm package (by
 * name; the version is recorded beside it), or a folder relative to the project.
 */
export function sourceOf(pack: Pack, projectDir: string): PackSource {
	if (pack.ref === BUILTIN_PACK) return { type: "builtin", package: toolName() };
	const named = !path.isAbsolute(pack.ref) && !pack.ref.startsWith(".");
	if (named && pack.dir.split(path.sep).includes("node_modules")) return { type: "npm", name: pack.ref };
	if (path.isAbsolute(pack.ref)) return { type: "folder", path: posix(pack.dir) };
	return { type: "folder", path: posix(path.relative(projectDir, pack.dir) || ".") };
}

function posix(p: string): string {
	return p.split(path.sep).join("/");
}

/**
 * A content hash of everything that decides what a pack renders: its options, append and private files, and each
 * layer (parents first) with its `when` and every file's path, mode and bytes, in a stable order. A base found
 * later (an npm tarball, a folder) is used only when its hash is the recorded one.
 */
export function packHash(pack: Pack): string {
	const hash = createHash("sha256");
	const put = (value: unknown) => hash.update(`${JSON.stringify(value)}\n`);
	put({ options: pack.options, appendFiles: pack.appendFiles, privateFiles: pack.privateFiles });
	for (const layer of pack.layers) {
		put({ layer: layer.label, when: layer.when ?? null });
		const files = [...layer.files()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
		for (const file of files) {
			put([file.source, file.mode.toString(8), createHash("sha256").update(file.content).digest("base64")]);
		}
	}
	return `sha256-${hash.digest("base64")}`;
}

/** The project's package.json and its record, or exit 2 saying it is not a generated project. */
export function readProject(dir: string): { pkg: Record<string, unknown>; record: ProjectRecord; raw: string } {
	const file = path.join(dir, "package.json");
	let raw: string;
	let pkg: unknown;
	try {
		raw = readFileSync(file, "utf8");
	} catch {
		throw new UserError(`${dir} is not a project made by create-backend-starter: it has no package.json`);
	}
	try {
		pkg = JSON.parse(raw);
	} catch (error) {
		throw new UserError(`cannot read ${file}: ${(error as Error).message}; fix the JSON first`);
	}
	const record = (pkg as { createBackendStarter?: unknown } | null)?.createBackendStarter;
	if (!isRecord(record)) {
		throw new UserError(
			`${dir} is not a project made by create-backend-starter: its package.json has no valid "createBackendStarter" record`,
		);
	}
	return { pkg: pkg as Record<string, unknown>, record, raw };
}

function isRecord(value: unknown): value is ProjectRecord {
	const r = value as ProjectRecord | undefined;
	return (
		typeof r === "object" &&
		r !== null &&
		typeof r.pack?.name === "string" &&
		typeof r.pack.version === "string" &&
		typeof r.answers === "object" &&
		r.answers !== null &&
		Object.values(r.answers).every((v) => typeof v === "string")
	);
}

/** `acme-backend 1.2.0 (npm)` for messages. */
export function describeSource(record: ProjectRecord): string {
	const source = record.pack.source;
	const where =
		source?.type === "folder" ? `folder ${quote(source.path)}` : source?.type === "npm" ? "npm" : "built in";
	return `${record.pack.name} ${record.pack.version} (${where})`;
}

/** The npm package this tool is published as (read, never assumed: the name may change between releases). */
export function toolName(): string {
	return JSON.parse(readFileSync(path.resolve(builtinPackDir, "..", "..", "package.json"), "utf8")).name;
}
