import { isDeepStrictEqual } from "node:util";

type Json = unknown;
type JsonObject = Record<string, Json>;

// The record of how the project was made belongs to the tool: it always moves to the new version.
const RECORD_KEY = "createBackendStarter";
const DEPENDENCY_KEYS = new Set(["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]);

/**
 * package.json merged key by key, recursively through objects: a key only one side changed takes that side's
 * value (the user's own dependencies and scripts stay, the new version's new ones come in); a key both changed
 * differently keeps the user's value and is reported as `scripts.test` — never written as markers into JSON.
 * The user's key order and indentation are kept; dependency maps stay sorted by name, as npm writes them.
 */
export function mergePackageJson(
	base: Buffer | undefined,
	ours: Buffer,
	theirs: Buffer,
): { content: Buffer; conflicts: string[] } {
	const parsed = [base, ours, theirs].map((b) => (b === undefined ? {} : parseObject(b)));
	const [o, a, b] = parsed;
	if (!a) return { content: ours, conflicts: ["your package.json is not a JSON object; nothing merged"] };
	if (!o || !b) return { content: ours, conflicts: ["the pack's package.json is not a JSON object"] };
	const conflicts: string[] = [];
	const merged = mergeObjects(o, a, b, [], conflicts);
	if (RECORD_KEY in b) merged[RECORD_KEY] = b[RECORD_KEY];
	const indent = /^\{\r?\n([ \t]+)"/.exec(ours.toString("utf8"))?.[1] ?? "  ";
	const eol = ours.toString("utf8").endsWith("\n") ? "\n" : "";
	return { content: Buffer.from(`${JSON.stringify(merged, null, indent)}${eol}`), conflicts };
}

function mergeObjects(o: JsonObject, a: JsonObject, b: JsonObject, at: string[], conflicts: string[]): JsonObject {
	const out: JsonObject = {};
	const keys = [...new Set([...Object.keys(a), ...Object.keys(b), ...Object.keys(o)])];
	for (const key of keys) {
		if (key === "__proto__") continue;
		const value = mergeValue(o[key], a[key], b[key], [...at, key], conflicts);
		if (value !== undefined) out[key] = value;
	}
	const last = at.at(-1);
	return at.length === 1 && last !== undefined && DEPENDENCY_KEYS.has(last) ? sortKeys(out) : out;
}

function mergeValue(o: Json, a: Json, b: Json, at: string[], conflicts: string[]): Json {
	if (isDeepStrictEqual(a, b)) return a;
	if (isDeepStrictEqual(a, o)) return b;
	if (isDeepStrictEqual(b, o)) return a;
	if (isObject(a) && isObject(b)) return mergeObjects(isObject(o) ? o : {}, a, b, at, conflicts);
	conflicts.push(`${at.join(".")} (yours ${show(a)}, new ${show(b)})`);
	return a;
}

function show(value: Json): string {
	if (value === undefined) return "removed";
	const text = JSON.stringify(value);
	return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function sortKeys(object: JsonObject): JsonObject {
	return Object.fromEntries(Object.entries(object).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

function parseObject(buffer: Buffer): JsonObject | undefined {
	try {
		const value = JSON.parse(buffer.toString("utf8").replace(/^\uFEFF/, ""));
		return isObject(value) ? value : undefined;
	} catch {
		return undefined;
	}
}

function isObject(value: Json): value is JsonObject {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
