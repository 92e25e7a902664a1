import leven from "leven";
import { quote } from "./log.js";
import type { PackOption } from "./packs.js";

/**
 * The candidate nearest to a mistyped `word`, when it is near enough to be what was meant: two edits (a swapped
 * pair of letters is two), or one per three letters in a longer word, and fewer edits than the word has letters
 * (so `apii` finds `api`, `rset` finds `rest`, but `x` or `soap` find nothing).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
	const allowed = Math.min(word.length - 1, Math.max(2, Math.floor(word.length / 3)));
	let best: { candidate: string; distance: number } | undefined;
	for (const candidate of candidates) {
		const distance = leven(word.toLowerCase(), candidate.toLowerCase(), { maxDistance: allowed + 1 });
		if (distance <= allowed && (best === undefined || distance < best.distance)) best = { candidate, distance };
	}
	return best?.candidate;
}

/**
 * The one line for a value that is not one of an option's choices: the pack's own answer for a word users say
 * (`--db mongo` → "MongoDB is `--db nosql`"), else the nearest choice, then the choices.
 */
export function wrongValueMessage(option: Pick<PackOption, "name" | "choices" | "hints">, value: string): string {
	const flag = `--${option.name}`;
	const choices = `choices: ${option.choices.join(", ")}`;
	if (value === "") return `${flag} needs a value (${choices})`;
	const given = `${flag} ${quote(value)} is not a choice`;
	const hint = option.hints?.[value.toLowerCase()];
	if (hint) return `${given}: ${hint}`;
	const near = didYouMean(value, option.choices);
	return near ? `${given}; did you mean ${flag} ${near}? (${choices})` : `${given} (${choices})`;
}

/**
 * "Unknown argument: --apii; did you mean --api?": `flags` are names as typed without their dashes, `words` stray
 * positional arguments, `known` every flag name that would have been accepted.
 */
export function unknownArgumentsMessage(flags: string[], words: string[], known: readonly string[]): string {
	const described = [
		...flags.map((name) => {
			const near = didYouMean(name, known);
			return near ? `--${name}; did you mean --${near}?` : `--${name}`;
		}),
		...words,
	];
	return `Unknown argument${described.length > 1 ? "s" : ""}: ${described.join(", ")} (see --help)`;
}
