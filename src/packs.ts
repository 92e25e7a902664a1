import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
// schema/pack.schema.json compiled by ajv's standalone code generation, by the bundler (scripts/pack-validator.mjs).
import validateManifest from "virtual:pack-validator";
import type { ErrorObject } from "ajv";
import { type Budget, isInside, type LayerFile, readLayer } from "./layers.js";
import { quote, UserError } from "./log.js";

/**
 * The name that `extends` and `--pack` use for the pack shipped in this package's templates/backend/ folder. It is
 * the pack's name (templates/backend/pack.json), kept when the package was renamed: packs and projects record it.
 */
export const BUILTIN_PACK = "create-backend-starter";
/** This tool's npm package; `extends` and `--pack` accept it for the built-in pack too. */
export const PACKAGE_NAME = "@backend-starter/create";
const toolRoot = fileURLToPath(new URL("../", import.meta.url));
export const builtinPackDir = path.join(toolRoot, "templates", "backend");

export function toolVersion(): string {
	return JSON.parse(readFileSync(path.join(toolRoot, "package.json"), "utf8")).version;
}

/** A question of a pack, and a flag of the same name: every answer is one of `choices`. */
export interface PackOption {
	name: string;
	message: string;
	choices: string[];
	default: string;
	/** Choice → one line on what it means and needs: the question's hint for it, and a line of --help. */
	descriptions?: Record<string, string>;
	/** A value users type that is not a choice (`mongo`) → the line that answers it ("MongoDB is `--db nosql`"). */
	hints?: Record<string, string>;
	/** Asked, accepted and given a value only when the earlier options' answers match (e.g. `{ db: "sql" }`). */
	when?: When;
}

/** A line printed after the next steps when the answers match `when` (where the server listens, what it needs). */
export interface Note {
	text: string;
	when?: When;
}

/** Option name → the value, or any of the values, it must have. */
export type When = Record<string, string | string[]>;

export interface Layer {
	/** Real path of the layer's folder. */
	dir: string;
	/** Real path of the pack folder the layer belongs to: nothing may be read from outside it. */
	root: string;
	/** Provenance shown by --dry-run and in errors, e.g. `acme-backend/layers/otel`. */
	label: string;
	when?: When;
	/** The layer's files, read (and checked) on first use: a layer no answer selects is never read. */
	files: () => LayerFile[];
}

/** A server that a pack's checks need, e.g. `{ name: "a MongoDB server", env: "MONGODB_URI", when: { db: "nosql" } }`. */
export interface Service {
	name: string;
	env: string;
	when?: When;
}

/** What `pack check --build` runs in each generated project after `npm install` (pack.json `check`). */
export interface ProjectCheck {
	scripts: string[];
	/** A string sets a variable, null removes it (a name ending in `*` removes every variable it prefixes). */
	env?: Record<string, string | null>;
	services?: Service[];
}

/** A loaded pack with everything it extends already folded in: options and layers are parent first. */
export interface Pack {
	name: string;
	version: string;
	description?: string;
	/** How the pack was named (`create-backend-starter`, a path, a package): `--pack` in the recorded command. */
	ref: string;
	dir: string;
	options: PackOption[];
	layers: Layer[];
	nextSteps: string[];
	/** Lines after the next steps, the root ancestor's first; the answers pick them with `when`. */
	notes: Note[];
	/** Output paths whose fragments are appended in layer order instead of replaced (`.env.example`). */
	appendFiles: string[];
	/** Output paths written with mode 0600 (`.env`). */
	privateFiles: string[];
	check?: ProjectCheck;
	/** Names of the packs folded in, the root ancestor first. */
	chain: string[];
}

/** pack.json, validated (the validator fills in appendFiles and privateFiles from the schema's defaults). */
type Manifest = Pick<Pack, "name" | "description" | "appendFiles" | "privateFiles" | "check"> & {
	version?: string;
	extends?: string | null;
	options?: PackOption[];
	layers: { dir: string; when?: When }[];
	nextSteps?: string[];
	notes?: Note[];
};

// A pack option with one of these names would shadow a flag of the CLI or one of its aliases. (The EJS names
// projectName and randomSecret cannot clash: option names are lower case, see schema/pack.schema.json.)
const RESERVED = new Set([
	..."directory name pack preset yes y pm install git json force verbose help h version v dry build only jobs".split(
		" ",
	),
	// update and add
	"set",
	"from",
]);

/** Loads and validates a pack (a folder, an npm package, or the built-in one) and everything it extends. */
export async function loadPack(ref: string = BUILTIN_PACK, cwd: string = process.cwd()): Promise<Pack> {
	return loadFrom(locatePack(ref, cwd), ref, [], { files: 0, bytes: 0 });
}

export function matchesWhen(when: When | undefined, answers: Record<string, string>): boolean {
	return Object.entries(when ?? {}).every(([name, value]) =>
		Array.isArray(value) ? value.includes(answers[name] ?? "") : answers[name] === value,
	);
}

/**
 * A condition as the user would write it: `--db sql` (flags), `"db": "sql"` (a preset), `db=sql` (update --set and
 * add), several values joined by
 * "or", several options by "and".
 */
export function describeWhen(when: When | undefined, form: "flag" | "json" | "set"): string {
	return Object.entries(when ?? {})
		.map(([name, value]) => {
			const values = [value].flat();
			if (form === "flag") return `--${name} ${values.join(" or ")}`;
			if (form === "set") return `${name}=${values.join(" or ")}`;
			return `${JSON.stringify(name)}: ${values.map((v) => JSON.stringify(v)).join(" or ")}`;
		})
		.join(" and ");
}

function locatePack(ref: string, from: string): string {
	if (ref === BUILTIN_PACK || ref === PACKAGE_NAME) return builtinPackDir;
	const asPath = path.resolve(from, ref);
	if (path.isAbsolute(ref) || ref.startsWith(".") || existsSync(asPath)) return asPath;
	// An npm package: node_modules of `from` and of each folder above it, as Node's own lookup goes.
	for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, "node_modules", ref);
		if (existsSync(candidate)) return candidate;
		if (path.dirname(dir) === dir) {
			throw new UserError(`pack ${quote(ref)} not found: no such folder, and no package of that name from ${from}`);
		}
	}
}

async function loadFrom(dir: string, ref: string, seen: string[], budget: Budget): Promise<Pack> {
	const root = realDir(dir, ref);
	if (seen.includes(root)) throw new UserError(`pack "extends" forms a cycle: ${[...seen, root].join(" → ")}`);
	const file = path.join(root, "pack.json");
	const manifest = readManifest(file);
	const parent = manifest.extends
		? await loadFrom(locatePack(manifest.extends, root), manifest.extends, [...seen, root], budget)
		: undefined;
	const own = checkOptions(manifest.options ?? [], file);
	const options = mergeOptions(parent?.options ?? [], own);
	options.forEach((option, i) => {
		const index = own.indexOf(option);
		const where = index >= 0 ? `${file}: /options/${index}/when` : `${file}: option ${quote(option.name)}'s when`;
		checkOptionWhen(option, options.slice(0, i), where);
	});
	const layers = manifest.layers.map((layer, i): Layer => {
		checkWhen(layer.when, options, `${file}: /layers/${i}/when`);
		const dir = layerDir(root, layer.dir, `${file}: /layers/${i}/dir`);
		const label = `${manifest.name}/${layer.dir}`;
		let files: LayerFile[] | undefined;
		return { dir, root, label, when: layer.when, files: () => (files ??= readLayer(dir, root, label, budget)) };
	});
	manifest.notes?.forEach((note, i) => {
		checkWhen(note.when, options, `${file}: /notes/${i}/when`);
	});
	manifest.check?.services?.forEach((service, i) => {
		checkWhen(service.when, options, `${file}: /check/services/${i}/when`);
	});
	return {
		name: manifest.name,
		version: manifest.version ?? packageVersion(root),
		description: manifest.description,
		ref,
		dir: root,
		options,
		layers: [...(parent?.layers ?? []), ...layers],
		nextSteps: manifest.nextSteps ?? parent?.nextSteps ?? [],
		// A child's notes come after its parents' (a note about a server the parent needs still holds).
		notes: [...(parent?.notes ?? []), ...(manifest.notes ?? [])],
		appendFiles: [...new Set([...(parent?.appendFiles ?? []), ...manifest.appendFiles])],
		privateFiles: [...new Set([...(parent?.privateFiles ?? []), ...manifest.privateFiles])],
		check: manifest.check ?? parent?.check,
		chain: [...(parent?.chain ?? []), manifest.name],
	};
}

function realDir(dir: string, ref: string): string {
	try {
		const real = realpathSync(dir);
		if (statSync(real).isDirectory()) return real;
	} catch {}
	throw new UserError(`pack ${quote(ref)} not found: ${dir} is not a folder`);
}

function readManifest(file: string): Manifest {
	let data: unknown;
	try {
		// A BOM is legal in a UTF-8 file but not in JSON.parse's input.
		data = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
	} catch (error) {
		const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : (error as Error).message;
		throw new UserError(`invalid pack: ${file}: ${reason}`);
	}
	if (!validateManifest(data)) {
		throw new UserError(`invalid pack: ${file}: ${describe(validateManifest.errors?.[0])}`);
	}
	return data as Manifest;
}

function describe(error: ErrorObject | undefined): string {
	if (!error) return "does not match schema/pack.schema.json";
	const where = error.instancePath || "(top level)";
	const extra = error.params as { additionalProperty?: string };
	if (extra.additionalProperty) return `${where}: unknown key ${quote(extra.additionalProperty)}`;
	return `${where}: ${error.message}`;
}

function checkOptions(options: PackOption[], file: string): PackOption[] {
	const names = new Set<string>();
	options.forEach((option, i) => {
		const where = `invalid pack: ${file}: /options/${i}`;
		if (RESERVED.has(option.name)) throw new UserError(`${where}/name: ${quote(option.name)} is reserved by the CLI`);
		if (names.has(option.name)) throw new UserError(`${where}/name: ${quote(option.name)} is defined twice`);
		if (!option.choices.includes(option.default)) {
			throw new UserError(`${where}/default: ${quote(option.default)} is not one of ${option.choices.join(", ")}`);
		}
		for (const choice of Object.keys(option.descriptions ?? {})) {
			if (!option.choices.includes(choice)) {
				throw new UserError(`${where}/descriptions: ${quote(choice)} is not one of ${option.choices.join(", ")}`);
			}
		}
		// A hint answers a value that is refused; a choice is never refused.
		for (const value of Object.keys(option.hints ?? {})) {
			if (option.choices.includes(value)) throw new UserError(`${where}/hints: ${quote(value)} is a choice`);
		}
		names.add(option.name);
	});
	return options;
}

/** A child's option replaces its parent's option of the same name, in the parent's position. */
function mergeOptions(parent: PackOption[], own: PackOption[]): PackOption[] {
	const merged = parent.map((option) => own.find((o) => o.name === option.name) ?? option);
	return [...merged, ...own.filter((o) => !parent.some((p) => p.name === o.name))];
}

function checkWhen(when: When | undefined, options: PackOption[], where: string): void {
	for (const [name, value] of Object.entries(when ?? {})) {
		const option = options.find((o) => o.name === name);
		if (!option) throw new UserError(`invalid pack: ${where}: unknown option ${quote(name)}`);
		for (const v of [value].flat()) {
			if (!option.choices.includes(v)) {
				throw new UserError(`invalid pack: ${where}/${name}: ${quote(v)} is not one of ${option.choices.join(", ")}`);
			}
		}
	}
}

/**
 * An option's `when` may name only options before it (parent first, then the pack's own): answers are settled in
 * that order, so the condition is known by the time the option is asked.
 */
function checkOptionWhen(option: PackOption, earlier: PackOption[], where: string): void {
	for (const name of Object.keys(option.when ?? {})) {
		if (earlier.some((o) => o.name === name)) continue;
		const reason =
			name === option.name ? "names the option itself" : `names ${quote(name)}, which is not an earlier option`;
		throw new UserError(`invalid pack: ${where}: ${reason}; an option's when may name only options before it`);
	}
	checkWhen(option.when, earlier, where);
}

function layerDir(root: string, dir: string, where: string): string {
	let real: string;
	try {
		real = realpathSync(path.resolve(root, dir));
	} catch {
		throw new UserError(`invalid pack: ${where}: folder ${quote(dir)} does not exist`);
	}
	if (!isInside(real, root)) throw new UserError(`invalid pack: ${where}: ${quote(dir)} leads outside the pack`);
	return real;
}

function packageVersion(root: string): string {
	if (existsSync(builtinPackDir) && root === realpathSync(builtinPackDir)) return toolVersion();
	try {
		return JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version ?? "0.0.0";
	} catch {
		return "0.0.0";
	}
}
