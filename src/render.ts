import { randomBytes } from "node:crypto";
import ejs from "ejs";
import type { LayerFile } from "./layers.js";
import { quote, UserError } from "./log.js";
import { type PackageManagerData, packageManagerData, packageManagerFiles } from "./package-manager.js";
import { type Layer, matchesWhen, type Pack } from "./packs.js";

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
	/** The package manager that installs the project (EJS `packageManager`); npm when absent. */
	packageManager?: PackageManagerData;
}

/**
 * The files of a project: the layers whose `when` matches the answers, in order, with `.ejs` files rendered,
 * `_name` renamed, package.json fragments merged, the pack's appendFiles appended and a later layer's file
 * replacing an earlier one. Pure: the pack loader has read (and checked) the layers' files.
 */
export function planFiles(pack: Pack, context: PlanContext): PlannedFile[] {
	const files = new Map<string, PlannedFile>();
	const taken = new Map<string, Claim>();
	const manifests: { value: Record<string, unknown>; layer: string }[] = [];
	for (const layer of pack.layers.filter((l) => matchesWhen(l.when, context.answers))) {
		for (const file of layer.files()) {
			const target = outputPath(file.source, layer);
			claim(taken, target, layer.label);
			const content = render(file, layer, context);
			if (target === "package.json") {
				manifests.push({ value: parseJson(content, `${layer.label}/${file.source}`), layer: layer.label });
				continue;
			}
			const previous = files.get(target);
			const append = previous && pack.appendFiles.includes(target);
			files.set(target, {
				path: target,
				content: append ? Buffer.concat([previous.content, content]) : content,
				mode: pack.privateFiles.includes(target) ? 0o600 : file.mode,
				layer: append ? `${previous.layer} + ${layer.label}` : layer.label,
			});
		}
	}
	const pm = context.packageManager ?? packageManagerData("npm");
	const pkg = packageJson(manifests, context, pm);
	files.set("package.json", pkg.file);
	for (const extra of packageManagerFiles(pm, pkg.value)) {
		if (files.has(extra.path)) continue; // a pack's own settings file wins over the engine's default
		claim(taken, extra.path, "engine");
		files.set(extra.path, { path: extra.path, content: Buffer.from(extra.content), mode: 0o644, layer: "engine" });
	}
	return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** `_gitignore` → `.gitignore` in every segment, `.ejs` dropped; anything that could leave the target is refused. */
export function outputPath(source: string, layer: Pick<Layer, "label">): string {
	const segments = source.replace(/\.ejs$/, "").split("/");
	for (const segment of segments) {
		// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
		if (segment === "" || segment === "." || segment === ".." || /[\\:\u0000-\u001f\u007f]/.test(segment)) {
			throw new UserError(`invalid pack: ${layer.label}/${quote(source)} is not a safe file name`);
		}
	}
	return segments.map((s) => s.replace(/^_(?=[^_])/, ".")).join("/");
}

/** A path of the plan: a file, or a folder that holds one, and the layer that first wrote it. */
interface Claim {
	path: string;
	kind: "file" | "folder";
	layer: string;
}

/**
 * Records `target` and its folders, refusing what would collide on some file system: two paths that differ only
 * in case or Unicode form (one file on macOS and Windows), and a file where another layer has a folder.
 */
function claim(taken: Map<string, Claim>, target: string, layer: string): void {
	const segments = target.split("/");
	segments.forEach((_, i) => {
		const claimed: Claim = {
			path: segments.slice(0, i + 1).join("/"),
			kind: i === segments.length - 1 ? "file" : "folder",
			layer,
		};
		const key = claimed.path.normalize("NFC").toLowerCase();
		const other = taken.get(key);
		if (!other) taken.set(key, claimed);
		else if (other.path !== claimed.path) {
			throw new UserError(
				`invalid pack: ${layer}: ${quote(claimed.path)} and ${quote(other.path)} differ only in case or Unicode form`,
			);
		} else if (other.kind !== claimed.kind) {
			throw new UserError(
				`invalid pack: ${quote(claimed.path)} is a ${other.kind} in ${other.layer} and a ${claimed.kind} in ${layer}`,
			);
		}
	});
}

// Fixed engine options: answers reach templates only as data, never as options (EJS CVE-2022-29078).
const EJS_OPTIONS = Object.freeze({ async: false, escape: (value: unknown) => String(value), compileDebug: true });

function render(file: LayerFile, layer: Layer, context: PlanContext): Buffer {
	if (!file.source.endsWith(".ejs")) return file.content;
	const packageManager = context.packageManager ?? packageManagerData("npm");
	const data = { ...context.answers, projectName: context.projectName, packageManager, randomSecret };
	try {
		const template = ejs.compile(file.content.toString("utf8"), {
			...EJS_OPTIONS,
			filename: file.abs,
			root: layer.root,
		});
		return Buffer.from(template(data) as string);
	} catch (error) {
		// EJS puts the file, a code excerpt and the reason on separate lines; keep one line: file:line: reason.
		const lines = (error as Error).message.split("\n").filter((l) => l.trim());
		const line = /:(\d+)$/.exec(lines[0] ?? "")?.[1];
		throw new UserError(`cannot render ${layer.label}/${file.source}${line ? `:${line}` : ""}: ${lines.at(-1)}`);
	}
}

/** A fresh random base64url string, for secrets in `.env` (`<%= randomSecret() %>`). */
function randomSecret(bytes = 32): string {
	return randomBytes(bytes).toString("base64url");
}

/**
 * The layers' fragments merged, then the project's name, the package manager (`packageManager`, for Corepack and CI
 * set-up actions, when it is pnpm or Yarn) and the stamp: the one package.json of the project.
 */
function packageJson(
	manifests: { value: Record<string, unknown>; layer: string }[],
	context: PlanContext,
	pm: PackageManagerData,
): { file: PlannedFile; value: Record<string, unknown> } {
	const merged = sortDependencies(manifests.reduce((all, m) => mergeJson(all, m.value), {}));
	const pkg: Record<string, unknown> = { name: context.projectName, ...merged };
	pkg.name = context.projectName;
	if (pm.field) pkg.packageManager = pm.field;
	pkg.createBackendStarter = context.stamp;
	return {
		value: pkg,
		file: {
			path: "package.json",
			content: Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`),
			mode: 0o644,
			layer: manifests.map((m) => m.layer).join(" + ") || "engine",
		},
	};
}

function parseJson(content: Buffer, where: string): Record<string, unknown> {
	try {
		const value = JSON.parse(content.toString("utf8"));
		if (isObject(value)) return value;
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
