import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import ejs from "ejs";
import { quote, UserError } from "./log.js";
import { isInside, type Layer, matchesWhen, type Pack } from "./packs.js";
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
	const budget = { files: 0, bytes: 0 };
	for (const layer of pack.layers.filter((l) => matchesWhen(l.when, context.answers))) {
		for (const source of listFiles(layer, budget)) {
			const target = outputPath(source.rel, layer);
			checkCase(casefold, target, layer);
			const content = render(source, layer, context);
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
				mode: target === ".env" ? 0o600 : source.mode,
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
	mode: number;
}

/** Every file of a layer, following symlinks only while they stay inside the pack. */
function listFiles(layer: Layer, budget: { files: number; bytes: number }): SourceFile[] {
	const found: SourceFile[] = [];
	const walk = (dir: string, rel: string, seen: Set<string>) => {
		for (const entry of readdirSync(dir).sort()) {
			const relPath = rel ? `${rel}/${entry}` : entry;
			const abs = path.join(dir, entry);
			const real = lstatSync(abs).isSymbolicLink() ? realTarget(abs, layer, relPath) : abs;
			const stat = statSync(real);
			if (stat.isDirectory()) {
				// A symlinked folder may point at one of its own ancestors.
				if (!seen.has(real)) walk(real, relPath, new Set([...seen, real]));
			} else if (stat.isFile()) {
				budget.files += 1;
				budget.bytes += stat.size;
				if (budget.files > MAX_FILES || budget.bytes > MAX_BYTES) {
					throw new UserError(
						`invalid pack: ${layer.label} makes the pack larger than ${MAX_FILES} files or ${MAX_BYTES / 2 ** 20} MiB`,
					);
				}
				found.push({ rel: relPath, abs: real, mode: stat.mode & 0o111 ? 0o755 : 0o644 });
			} else {
				throw new UserError(`invalid pack: ${layer.label}/${relPath} is not a regular file`);
			}
		}
	};
	walk(layer.dir, "", new Set([layer.dir]));
	return found;
}

function realTarget(abs: string, layer: Layer, rel: string): string {
	let real: string;
	try {
		real = realpathSync(abs);
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
	const key = target.normalize("NFC").toLowerCase();
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

function render(source: SourceFile, layer: Layer, context: PlanContext): Buffer {
	const bytes = readFileSync(source.abs);
	if (!source.rel.endsWith(".ejs")) return bytes;
	const data = { ...context.answers, projectName: context.projectName, randomSecret };
	try {
		const template = ejs.compile(bytes.toString("utf8"), { ...EJS_OPTIONS, filename: source.abs, root: layer.root });
		return Buffer.from(template(data) as string);
	} catch (error) {
		// EJS puts the file, a code excerpt and the reason on separate lines; keep one line: file:line: reason.
		const lines = (error as Error).message.split("\n").filter((l) => l.trim());
		const line = /:(\d+)$/.exec(lines[0] ?? "")?.[1];
		throw new UserError(`cannot render ${layer.label}/${source.rel}${line ? `:${line}` : ""}: ${lines.at(-1)}`);
	}
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
