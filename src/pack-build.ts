import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createProject } from "./create.js";
import { type Logger, quote, UserError } from "./log.js";
import { combinationsOf } from "./pack-check.js";
import { matchesWhen, type Pack, type ProjectCheck, type When } from "./packs.js";
import { runCommand } from "./process.js";

/** `pack check --build`: what each selected combination went through. */
export interface BuildResult {
	answers: Record<string, string>;
	ok: boolean;
	/** `install 31 s, typecheck 8 s, test 24 s`; or each failed step with its first error and log, then the passed ones. */
	summary: string;
	/** The failed project and its logs, kept for a look. */
	kept?: string;
}

export interface BuildSettings {
	/** Build only the combinations that match, e.g. `{ db: ["sql"] }` (see parseOnly). */
	only: When;
	/** Combinations built at a time. */
	jobs: number;
	log: Logger;
	signal?: AbortSignal;
	/** Makes the project to check in `dir` (no install, no git); by default `create` with the pack. */
	generate?: (answers: Record<string, string>, dir: string, signal?: AbortSignal) => Promise<void>;
}

const INSTALL = ["install", "--no-audit", "--no-fund", "--prefer-offline"];
const STEP_TIMEOUT_MS = 10 * 60_000;
// Set by whatever runs this tool (npm run, Vitest, Node's own options): never meant for the projects' checks.
const RUNNERS = /^(npm_.*|VITEST.*|NODE_ENV|NODE_OPTIONS)$/i;

/** The pack's check, or a usage error saying how to declare one: the engine assumes no script. */
export function checkOf(pack: Pack): ProjectCheck {
	if (pack.check) return pack.check;
	throw new UserError(
		`${pack.name} declares no check scripts for --build: add e.g. "check": { "scripts": ["test"] } to its pack.json`,
	);
}

/** `--only db=sql --only api=rest,graphql` → `{db: ["sql"], api: ["rest", "graphql"]}`, checked against the pack. */
export function parseOnly(filters: string[], pack: Pack): When {
	const when: When = {};
	for (const filter of filters) {
		const [name = "", values = ""] = filter.split("=", 2);
		const option = pack.options.find((o) => o.name === name);
		if (!option) throw new UserError(`--only ${quote(filter)}: ${pack.name} has no option ${quote(name)}`);
		const list = values.split(",").filter(Boolean);
		const bad = list.find((v) => !option.choices.includes(v)) ?? (list.length === 0 ? values : undefined);
		if (bad !== undefined) throw new UserError(`--only ${quote(filter)}: choose from ${option.choices.join(", ")}`);
		when[name] = list;
	}
	return when;
}

/**
 * Generates each combination that matches `only` outside any repository, then runs `npm install` and the pack's
 * check scripts in it, `jobs` at a time. Passing projects are removed; failed ones are kept with a log per step.
 */
export async function buildCombinations(pack: Pack, settings: BuildSettings): Promise<BuildResult[]> {
	const check = checkOf(pack);
	const selected = combinationsOf(pack).filter((answers) => matchesWhen(settings.only, answers));
	const root = await mkdtemp(path.join(os.tmpdir(), "cbs-pack-build-"));
	await mkdir(path.join(root, "logs"));
	const results: BuildResult[] = [];
	const queue = selected.map((answers, i) => ({ answers, dir: path.join(root, `c${i + 1}`) }));
	const worker = async () => {
		for (let next = queue.shift(); next && !settings.signal?.aborted; next = queue.shift()) {
			const result = await buildOne(pack, check, next.answers, next.dir, settings);
			settings.log.step(`${describeAnswers(result.answers)}: ${result.ok ? "ok" : "FAILED"} (${result.summary})`);
			results.push(result);
		}
	};
	await Promise.all(Array.from({ length: settings.jobs }, worker));
	settings.signal?.throwIfAborted();
	if (results.every((r) => r.ok)) await rm(root, { recursive: true, force: true });
	return results;
}

async function buildOne(
	pack: Pack,
	check: ProjectCheck,
	answers: Record<string, string>,
	dir: string,
	{ signal, generate }: BuildSettings,
): Promise<BuildResult> {
	const done: string[] = [];
	const failed: string[] = [];
	const env = checkEnvironment(check);
	try {
		if (generate) await generate(answers, dir, signal);
		else
			await createProject({
				pack,
				directory: dir,
				answers,
				install: false,
				git: false,
				cwd: path.dirname(dir),
				signal,
			});
		// A failed install stops the combination; a failed script does not: the next ones still say something.
		for (const [step, args] of [["install", INSTALL], ...check.scripts.map((s) => [s, ["run", s]])] as const) {
			const started = Date.now();
			const log = path.join(dir, "..", "logs", `${path.basename(dir)}-${step}.log`);
			const run = await runCommand("npm", [...args], {
				cwd: dir,
				env,
				output: "capture",
				signal,
				timeoutMs: STEP_TIMEOUT_MS,
			});
			await writeFile(log, run.output);
			if (run.exitCode === 0) done.push(`${step} ${Math.round((Date.now() - started) / 1000)} s`);
			else failed.push(`${step} failed: ${reason(run.output || run.message, answers, check)}; log ${log}`);
			if (run.exitCode !== 0 && step === "install") break;
		}
	} catch (error) {
		failed.push(`generate failed: ${(error as Error).message}`);
	}
	if (failed.length === 0) await rm(dir, { recursive: true, force: true });
	const summary = [...failed, ...(done.length > 0 ? [`ok: ${done.join(", ")}`] : [])].join("; ");
	return failed.length === 0
		? { answers, ok: true, summary: done.join(", ") }
		: { answers, ok: false, summary, kept: dir };
}

/** Our environment without the runners' variables, with the pack's check.env applied (null removes). */
function checkEnvironment(check: ProjectCheck): Record<string, string> {
	const declared = Object.entries(check.env ?? {});
	const removed = (key: string) =>
		declared.some(
			([name, value]) => value === null && (name.endsWith("*") ? key.startsWith(name.slice(0, -1)) : key === name),
		);
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined && !RUNNERS.test(key) && !removed(key)) env[key] = value;
	}
	for (const [name, value] of declared) if (value !== null) env[name] = value;
	return { ...env, NO_COLOR: "1" };
}

/**
 * Why a step failed, in a line: a service the combination needs (declared by the pack) when the output names its
 * variable, otherwise the first line that looks like an error (tsc's `error TS…`, Vitest's `FAIL …`, `npm error …`).
 */
function reason(output: string, answers: Record<string, string>, check: ProjectCheck): string {
	const lines = output.split("\n").map((l) => l.trim());
	for (const service of (check.services ?? []).filter((s) => matchesWhen(s.when, answers))) {
		const line = lines.find((l) => l.includes(service.env));
		if (line) return `needs ${service.name}, none reachable here (${clip(line)})`;
	}
	const first =
		lines.find((l) => /^(FAIL\b|npm error\b)|error TS\d+/.test(l)) ??
		lines.find((l) => /\b(error|fail)|✗|×/i.test(l) && !l.startsWith("✓"));
	return clip(first ?? (lines.find(Boolean) || "no output"));
}

function clip(line: string): string {
	return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

export function describeAnswers(answers: Record<string, string>): string {
	return Object.entries(answers)
		.map(([k, v]) => `${k}=${v}`)
		.join(" ");
}
