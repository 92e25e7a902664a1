import { createProject } from "./create.js";
import { mergeProject, type RenderedFile } from "./merge.js";
import { combinationsOf } from "./pack-check.js";
import type { Pack } from "./packs.js";
import { type ProjectRecord, packHash } from "./record.js";
import { planFiles } from "./render.js";
import { newAnswers, updateProject } from "./update.js";

/** One combination of the older pack, updated to the current one as an untouched project would be. */
export interface UpdatePathResult {
	answers: Record<string, string>;
	/** Files that would conflict, or be kept instead of updated or deleted: each a problem of the pack. */
	problems: string[];
}

/**
 * `pack check --update-from OLDER`: every combination of the older pack is generated (a render of its own, as
 * on a user's disk: fresh secrets and all) and updated to the current pack against another render of the older
 * one as base. An untouched project must update cleanly; a conflict or a kept file means the pack renders
 * differently each time outside its private files, or cannot take the recorded answers.
 */
export function checkUpdatePath(older: Pack, current: Pack): UpdatePathResult[] {
	const hash = packHash(older);
	return combinationsOf(older).map((answers) => {
		const record: ProjectRecord = {
			version: older.version,
			pack: { name: older.name, version: older.version, hash },
			answers,
		};
		try {
			const next = newAnswers(record, current, []);
			const render = (pack: Pack, with_: Record<string, string>, stamp: object) =>
				new Map<string, RenderedFile>(
					planFiles(pack, { answers: with_, projectName: "pack-check", stamp: { ...stamp } }).map((f) => [f.path, f]),
				);
			const ours = render(older, answers, record);
			const base = render(older, answers, record);
			const theirs = render(current, next, { ...record, answers: next });
			const plan = mergeProject({
				base,
				theirs,
				ours: new Map([...new Set([...base.keys(), ...theirs.keys()])].map((p) => [p, ours.get(p)?.content])),
				privateFiles: [...new Set([".env", ...older.privateFiles, ...current.privateFiles])],
				theirsLabel: `${current.name} ${current.version}`,
			});
			const problems = plan.files
				.filter((f) => f.action === "conflict" || f.action === "kept")
				.map((f) => `${f.path} ${f.action === "conflict" ? "would conflict" : "would be kept"} (${f.note})`);
			return { answers, problems };
		} catch (error) {
			return { answers, problems: [(error as Error).message] };
		}
	});
}

/** For `--update-from --build`: the older pack's project, updated to the current pack (no install, no git). */
export function generateUpdated(older: Pack, current: Pack) {
	return async (answers: Record<string, string>, dir: string, signal?: AbortSignal): Promise<void> => {
		const oldAnswers = Object.fromEntries(older.options.map((o) => [o.name, answers[o.name] ?? o.default]));
		await createProject({ pack: older, directory: dir, answers: oldAnswers, install: false, git: false, signal });
		const set = Object.entries(answers).map(([name, value]) => `${name}=${value}`);
		const result = await updateProject({
			directory: dir,
			pack: current,
			from: older,
			set,
			install: false,
			allowDirty: true,
			signal,
		});
		if (result.conflicts.length > 0) {
			throw new Error(`update left conflicts: ${result.conflicts.map((c) => `${c.path} (${c.message})`).join(", ")}`);
		}
	};
}
