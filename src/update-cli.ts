import type { Flags } from "./flags.js";
import { type Logger, paint, UserError } from "./log.js";
import { type UpdateResult, updateProject } from "./update.js";

/** `update [directory]` and `add name=value... [directory]`: run, print, and exit 3 while conflicts remain. */
export async function runUpdate(flags: Flags, log: Logger, signal: AbortSignal): Promise<void> {
	const result = await updateProject({
		directory: flags.directory,
		set: flags.set,
		pack: flags.pack,
		from: flags.from,
		keepVersion: flags.command === "add",
		dryRun: flags.dryRun,
		install: flags.install,
		allowDirty: flags.allowDirty,
		log,
		childOutput: flags.json ? "stderr" : "inherit",
		signal,
	});
	if (flags.json) {
		const { directory, from, to, files, conflicts, steps, dryRun } = result;
		const shown = files.map(({ path, action }) => ({ path, action }));
		process.stdout.write(
			`${JSON.stringify({ directory, from, to, files: shown, conflicts, steps, dryRun }, null, 2)}\n`,
		);
	} else printUpdate(result);
	const failed = result.steps.find((s) => s.status === "failed");
	if (failed)
		throw new UserError(`${failed.message}; the files are updated, finish by hand with: ${failed.command}`, 1);
	if (result.conflicts.length > 0) process.exitCode = 3;
}

const COLOURS = {
	updated: "green",
	merged: "green",
	added: "green",
	deleted: "yellow",
	kept: "yellow",
	conflict: "red",
	unchanged: "dim",
} as const;

function printUpdate(result: UpdateResult): void {
	const out = process.stdout;
	const { from, to } = result;
	const version = from.version === to.version ? from.version : `${from.version} → ${to.version}`;
	const changed = Object.keys(to.answers).filter((k) => from.answers[k] !== to.answers[k]);
	const answers = changed.length ? `, ${changed.map((k) => `${k}=${to.answers[k]}`).join(", ")}` : "";
	const head = result.dryRun ? "Would update" : "Updated";
	out.write(
		`${head} ${result.directory} (${from.pack} ${version}${answers})${result.dryRun ? ", dry run: nothing written" : ""}:\n`,
	);
	// A dry run names every file; a real run the ones it touched or wants looked at.
	const listed = result.dryRun ? result.files : result.files.filter((f) => f.action !== "unchanged");
	const width = Math.max(0, ...listed.map((f) => f.path.length));
	for (const file of listed) {
		const note = file.note ? `  ${paint(out, "dim", `(${file.note})`)}` : "";
		const name = note ? file.path.padEnd(width) : file.path;
		out.write(`  ${paint(out, COLOURS[file.action], file.action.padEnd(9))} ${name}${note}\n`);
	}
	const counts = new Map<string, number>();
	for (const file of result.files) counts.set(file.action, (counts.get(file.action) ?? 0) + 1);
	out.write(`${[...counts].map(([action, n]) => `${n} ${action}`).join(", ")}\n`);
	if (result.conflicts.length > 0) {
		out.write(
			`\n${paint(out, "red", `${result.conflicts.length} conflict${result.conflicts.length > 1 ? "s" : ""} left to resolve:`)}\n`,
		);
		for (const conflict of result.conflicts) out.write(`  ${conflict.path}: ${conflict.message}\n`);
		if (!result.dryRun) {
			out.write(
				"Edit the files (search for <<<<<<<), keep what you want, then commit; `git diff` shows every change.\n",
			);
		}
	} else if (!result.dryRun) out.write(`${paint(out, "green", "Done.")} Review with \`git diff\`, then commit.\n`);
}
