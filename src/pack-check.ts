import { UserError } from "./log.js";
import { loadPack, matchesWhen, type Pack, type PackOption } from "./packs.js";
import { outputPath, planFiles } from "./render.js";

export interface PackCheck {
	pack: string;
	combinations: number;
	errors: { answers: Record<string, string>; message: string }[];
}

/** A path that a later layer's file replaces, in the combinations where both layers apply. */
export interface ReplacedFile {
	path: string;
	/** The layers that write it, in order: the last one's file is the one written. */
	layers: string[];
	answers: Record<string, string>[];
}

// Rendering is in memory, but a pack with a dozen options would still take hours.
const MAX_COMBINATIONS = 4096;

/** Validates a pack and renders every combination of its options in memory; errors name the file and layer. */
export async function checkPack(ref: string | Pack, cwd = process.cwd()): Promise<PackCheck> {
	const pack = typeof ref === "string" ? await loadPack(ref, cwd) : ref;
	const combinations = combinationsOf(pack);
	const errors: PackCheck["errors"] = [];
	for (const answers of combinations) {
		try {
			planFiles(pack, { answers, projectName: "pack-check", stamp: {} });
		} catch (error) {
			errors.push({ answers, message: (error as Error).message });
		}
	}
	return { pack: pack.name, combinations: combinations.length, errors };
}

/**
 * Files that a later layer replaces in some combination: a path written by two or more applied layers, other than
 * package.json (merged) and the pack's appendFiles (appended). Replacing a file means owning a copy that drifts
 * from the layer it replaces, so `pack check` warns about each. A layer that cannot be read is left to checkPack.
 */
export function findReplacedFiles(pack: Pack): ReplacedFile[] {
	const found = new Map<string, ReplacedFile>();
	for (const answers of combinationsOf(pack)) {
		const writers = new Map<string, string[]>();
		for (const layer of pack.layers.filter((l) => matchesWhen(l.when, answers))) {
			let files: string[];
			try {
				files = layer.files().map((file) => outputPath(file.source, layer));
			} catch {
				continue;
			}
			for (const file of new Set(files)) writers.set(file, [...(writers.get(file) ?? []), layer.label]);
		}
		for (const [path, layers] of writers) {
			if (layers.length < 2 || path === "package.json" || pack.appendFiles.includes(path)) continue;
			const key = `${path}\n${layers.join("\n")}`;
			const entry = found.get(key) ?? { path, layers, answers: [] };
			entry.answers.push(answers);
			found.set(key, entry);
		}
	}
	return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Every valid answer set of the pack's options, in manifest order: an option whose `when` the earlier answers do not
 * match has no value in it, so an option under `{ db: "sql" }` multiplies only the db=sql sets.
 */
export function combinationsOf(pack: { name: string; options: PackOption[] }): Record<string, string>[] {
	let all: Record<string, string>[] = [{}];
	for (const option of pack.options) {
		all = all.flatMap((answers) =>
			matchesWhen(option.when, answers)
				? option.choices.map((choice) => ({ ...answers, [option.name]: choice }))
				: [answers],
		);
		// Each option multiplies the count (or keeps it), so stopping at the first excess never misses a smaller total.
		if (all.length > MAX_COMBINATIONS) {
			throw new UserError(
				`${pack.name} has more than ${MAX_COMBINATIONS} combinations of options; pack check renders at most ${MAX_COMBINATIONS}`,
			);
		}
	}
	return all;
}
