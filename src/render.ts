import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import ejs from "ejs";
import { quote, UserError } from "./log.js";
import { isInside, type Layer, matchesWhen, type Pack, realpath } from "./packs.js";
import { randomBytes } from "./random.js";

/** One file of the project, decided in memory before anything touches the disk. */
export interface PlannedFile {
	/** Path inside the project, `/`-separated. */
	path: string;
	content: Buffer;
	mode: number;
	/** The layer(s) the file comes from, e.g. `acme-backend/layers/otel` (merged files name each, joined by ` + `). */
	layer: string;
}

export interface PlanContext {
	answers: Record<string, string>;
	/** The npm package name, also the EJS variable `projectName`. */
	projectName: string;
	/** Recorded in package.json as `createBackendStarter`, so the project says how it was made. */
	stamp: Record<string, unknown>;
}

// Guards against a pack that would fill memory or the disk; far above any real project.
const MAX_FILES = 20_000;
const MAX_BYTES = 256 * 1024 * 1024;
const APPENDED = new Set([".env", ".env.example"]);

/** Renders the layers whose `when` matches into the list of files to write. Pure apart from reading the pack. */
export function planFiles(pack: Pack, context: PlanContext): PlannedFile[] {
	const files = new Map<string, PlannedFile>();
	const casefold = new Map<string, string>();
	let manifest: { value: Record<string, unknown>; layers: string[] } | undefined;
	const budget: Budget = { files: 0, bytes: 0 };
	for (const layer of pack.layers.filter((l) => matchesWhen(l.when, context.answers))) {
		for (const source of listFiles(layer, budget)) {
			const target = outputPath(source.rel, layer);
			checkCase(casefold, target, layer);
			const { bytes, mode } = readSource(source, layer, budget);
			const content = render(bytes, source, layer, context);
			if (target === "package.json") {
				const value = mergeJson(manifest?.value ?? {}, parseJson(content, `${layer.label}/${source.rel}`));
				manifest = { value, layers: [...(manifest?.layers ?? []), layer.label] };
				continue;
			}
			const previous = files.get(target);
			const append = APPENDED.has(target) && previous;
			files.set(target, {
				path: target,
				content: append ? Buffer.concat([previous.content, content]) : content,
				mode: target === ".env" ? 0o600 : mode,
				layer: append ? `${previous.layer} + ${layer.label}` : layer.label,
			});
		}
	}
	const pkg = {
		name: context.projectName,
		...sortDependencies(manifest?.value ?? {}),
		createBackendStarter: context.stamp,
	};
	pkg.name = context.projectName;
	const json = Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`);
	files.set("package.json", {
		path: "package.json",
		content: json,
		mode: 0o644,
		layer: manifest?.layers.join(" + ") ?? "engine",
	});
	return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

interface SourceFile {
	rel: string;
	abs: string;
}

type Budget = { files: number; bytes: number };

/**
 * Every file of a layer, following symlinks only while they stay inside the pack. A regular file is not stat'ed
 * here: its size (for the budget) and mode come from the descriptor it is read through (see readSource).
 */
function listFiles(layer: Layer, budget: Budget): SourceFile[] {
	const found: SourceFile[] = [];
	const walk = (dir: string, rel: string, seen: Set<string>) => {
		const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
		for (const entry of entries) {
			const relPath = rel ? `${rel}/${entry.name}` : entry.name;
			// `dir` is a real, absolute path: no separator to fold, no `..` to resolve.
			const abs = `${dir}${path.sep}${entry.name}`;
			const real = entry.isSymbolicLink() ? realTarget(abs, layer, relPath) : abs;
			const type = entry.isSymbolicLink() ? statSync(real) : entry;
			if (type.isDirectory()) {
				// A symlinked folder may point at one of its own ancestors.
				if (!seen.has(real)) walk(real, relPath, new Set([...seen, real]));
			} else if (type.isFile()) {
				budget.files += 1;
				if (budget.files > MAX_FILES) throw tooLarge(layer);
				found.push({ rel: relPath, abs: real });
			} else {
				throw new UserError(`invalid pack: ${layer.label}/${relPath} is not a regular file`);
			}
		}
	};
	walk(layer.dir, "", new Set([layer.dir]));
	return found;
}

function tooLarge(layer: Layer): UserError {
	return new UserError(
		`invalid pack: ${layer.label} makes the pack larger than ${MAX_FILES} files or ${MAX_BYTES / 2 ** 20} MiB`,
	);
}

/** A file's bytes and mode (executable or not), counted against the budget before anything is read. */
function readSource(source: SourceFile, layer: Layer, budget: Budget): { bytes: Buffer; mode: number } {
	const fd = openSync(source.abs, "r");
	try {
		const stat = fstatSync(fd);
		if (!stat.isFile()) throw new UserError(`invalid pack: ${layer.label}/${source.rel} is not a regular file`);
		budget.bytes += stat.size;
		if (budget.bytes > MAX_BYTES) throw tooLarge(layer);
		const bytes = Buffer.allocUnsafe(stat.size);
		let filled = 0;
		while (filled < stat.size) {
			const n = readSync(fd, bytes, filled, stat.size - filled, null);
			if (n === 0) break;
			filled += n;
		}
		// A file that shrank while it was read: what was there. (One that grew: the size it had when opened.)
		return { bytes: filled < stat.size ? bytes.subarray(0, filled) : bytes, mode: stat.mode & 0o111 ? 0o755 : 0o644 };
	} finally {
		closeSync(fd);
	}
}

function realTarget(abs: string, layer: Layer, rel: string): string {
	let real: string;
	try {
		real = realpath(abs);
	} catch {
		throw new UserError(`invalid pack: ${layer.label}/${rel} is a broken symlink`);
	}
	if (!isInside(real, layer.root))
		throw new UserError(`invalid pack: ${layer.label}/${rel} is a symlink leading outside the pack`);
	return real;
}

/** `_gitignore` → `.gitignore` in every segment, `.ejs` dropped; anything that could leave the target is refused. */
export function outputPath(rel: string, layer: Pick<Layer, "label">): string {
	const segments = rel.replace(/\.ejs$/, "").split("/");
	for (const segment of segments) {
		// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
		if (segment === "" || segment === "." || segment === ".." || /[\\:\u0000-\u001f\u007f]/.test(segment)) {
			throw new UserError(`invalid pack: ${layer.label}/${quote(rel)} is not a safe file name`);
		}
	}
	return segments.map((s) => s.replace(/^_(?=[^_])/, ".")).join("/");
}

/** Two paths that differ only in case (or Unicode form) are one file on macOS and Windows. */
function checkCase(seen: Map<string, string>, target: string, layer: Layer): void {
	// ASCII is its own NFC form (and String#normalize loads Unicode tables on first use).
	const key = (/^[\x20-\x7e]*$/.test(target) ? target : target.normalize("NFC")).toLowerCase();
	const other = seen.get(key);
	if (other !== undefined && other !== target) {
		throw new UserError(
			`invalid pack: ${layer.label}: ${quote(target)} and ${quote(other)} differ only in case or Unicode form`,
		);
	}
	seen.set(key, target);
}

// Fixed engine options: answers reach templates only as data, never as options (EJS CVE-2022-29078).
const EJS_OPTIONS = Object.freeze({ async: false, escape: (value: unknown) => String(value), compileDebug: true });

function render(bytes: Buffer, source: SourceFile, layer: Layer, context: PlanContext): Buffer {
	if (!source.rel.endsWith(".ejs")) return bytes;
	const data = { ...context.answers, projectName: context.projectName, randomSecret };
	const text = bytes.toString("utf8");
	const compiled = precompiled().get(text);
	if (compiled) {
		try {
			return Buffer.from(compiled(localsOf(data), EJS_OPTIONS.escape, noInclude, undefined));
		} catch {
			// Compiled again by EJS below, which then gives its own message (with the line) or result.
		}
	}
	try {
		const template = ejs.compile(text, { ...EJS_OPTIONS, filename: source.abs, root: layer.root });
		return Buffer.from(template(data) as string);
	} catch (error) {
		// EJS puts the file, a code excerpt and the reason on separate lines; keep one line: file:line: reason.
		const lines = (error as Error).message.split("\n").filter((l) => l.trim());
		const line = /:(\d+)$/.exec(lines[0] ?? "")?.[1];
		throw new UserError(`cannot render ${layer.label}/${source.rel}${line ? `:${line}` : ""}: ${lines.at(-1)}`);
	}
}

/** A template function as EJS builds it: `new Function("locals, escapeFn, include, rethrow", source)`. */
type CompiledTemplate = (
	locals: Record<string, unknown>,
	escapeFn: (value: unknown) => string,
	include: unknown,
	rethrow: unknown,
) => string;

let compiledTemplates: Map<string, CompiledTemplate> | undefined;

/**
 * The built-in pack's templates, compiled by EJS at build time (scripts/build.mjs writes templates-compiled.cjs
 * beside this module): the function EJS would build, keyed by the template's exact text, so any other text —
 * another pack, or a template edited since the build — is compiled by EJS as before. Compiling the built-in
 * templates at every run cost ~5 ms. A CommonJS file, as EJS's code uses `with`, which ES modules forbid.
 */
export function precompiled(): Map<string, CompiledTemplate> {
	if (!compiledTemplates) {
		try {
			compiledTemplates = createRequire(import.meta.url)("./templates-compiled.cjs") as Map<string, CompiledTemplate>;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
			compiledTemplates = new Map();
		}
	}
	return compiledTemplates;
}

/** The locals EJS gives a template: own properties on a null-prototype object, without __proto__ and constructor. */
function localsOf(data: Record<string, unknown>): Record<string, unknown> {
	const locals: Record<string, unknown> = Object.create(null);
	for (const [key, value] of Object.entries(data))
		if (key !== "__proto__" && key !== "constructor") locals[key] = value;
	return locals;
}

// The built-in templates include nothing (the build refuses to compile one that might); EJS handles any that do.
function noInclude(): never {
	throw new Error("include() in a precompiled template");
}

function randomSecret(bytes = 32): string {
	return randomBytes(bytes).toString("base64url");
}

function parseJson(content: Buffer, where: string): Record<string, unknown> {
	try {
		const value = JSON.parse(content.toString("utf8"));
		if (value && typeof value === "object" && !Array.isArray(value)) return value;
	} catch {}
	throw new UserError(`invalid pack: ${where} is not a JSON object`);
}

/** Objects merge key by key (later wins); arrays and other values are replaced. */
export function mergeJson(base: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = { ...base };
	for (const [key, value] of Object.entries(next)) {
		if (key === "__proto__") continue;
		const current = out[key];
		out[key] = isObject(current) && isObject(value) ? mergeJson(current, value) : value;
	}
	return out;
}

const DEPENDENCY_KEYS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

/** Dependency maps sorted by name, as npm writes them, so merged layers don't leave them in layer order. */
function sortDependencies(pkg: Record<string, unknown>): Record<string, unknown> {
	const out = { ...pkg };
	for (const key of DEPENDENCY_KEYS) {
		const deps = out[key];
		if (isObject(deps)) out[key] = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)));
	}
	return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
