import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createProject } from "./create.js";
import { type Logger, quote, UserError } from "./log.js";
import { combinationsOf } from "./pack-commands.js";
import { loadPack, matchesWhen, type Pack, type When } from "./packs.js";

/** `pack check --build`: what each selected combination went through. */
export interface BuildResult {
	answers: Record<string, string>;
	ok: boolean;
	/** `install 31 s, typecheck 8 s, test 24 s`; or each failed step with its first error and log, then the passed ones. */
	summary: string;
	/** The failed project and its logs, kept for a look. */
	kept?: string;
}

const STEPS: [string, string[]][] = [
	["install", ["install", "--no-audit", "--no-fund", "--prefer-offline"]],
	["typecheck", ["run", "typecheck"]],
	["test", ["test"]],
];
const STEP_TIMEOUT_MS = 10 * 60_000;

/** `--only db=sql --only api=rest,graphql` → `{db: "sql", api: ["rest", "graphql"]}`, checked against the pack. */
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
 * Generates each combination that matches `only` outside any repository, then runs `npm install`,
 * `npm run typecheck` and `npm test` in it, `jobs` at a time. Passing projects are removed.
 */
export async function buildCombinations(
	pack: Pack,
	combinations: Record<string, string>[],
	options: { only: When; jobs: number; log: Logger },
): Promise<BuildResult[]> {
	const selected = combinations.filter((answers) => matchesWhen(options.only, answers));
	const root = await mkdtemp(path.join(os.tmpdir(), "cbs-pack-build-"));
	const results: BuildResult[] = [];
	const queue = selected.map((answers, i) => ({ answers, i }));
	const worker = async () => {
		for (let next = queue.shift(); next; next = queue.shift()) {
			const result = await buildOne(pack, next.answers, path.join(root, `c${next.i + 1}`));
			options.log.step(`${describeAnswers(result.answers)}: ${result.ok ? "ok" : "FAILED"} (${result.summary})`);
			results.push(result);
		}
	};
	await Promise.all(Array.from({ length: options.jobs }, worker));
	if (results.every((r) => r.ok)) await rm(root, { recursive: true, force: true });
	return results;
}

async function buildOne(pack: Pack, answers: Record<string, string>, dir: string): Promise<BuildResult> {
	const done: string[] = [];
	const failed: string[] = [];
	try {
		await createProject({ pack, directory: dir, answers, install: false, git: false, cwd: path.dirname(dir) });
		// A failed install stops the combination; a failed type-check does not: the tests still say something.
		for (const [step, args] of STEPS) {
			const started = Date.now();
			const log = path.join(dir, "..", "logs", `${path.basename(dir)}-${step}.log`);
			const { code, output } = await runLogged(args, dir, log);
			if (code === 0) done.push(`${step} ${Math.round((Date.now() - started) / 1000)} s`);
			else failed.push(`${step} failed: ${reason(output, code)}; log ${log}`);
			if (code !== 0 && step === "install") break;
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

/** The line that says why: a missing MongoDB is named plainly, otherwise the first line that looks like an error. */
function reason(output: string, code: number | null): string {
	const lines = output.split("\n").map((l) => l.trim());
	const mongo = lines.find((l) => /mongo/i.test(l) && /\b(no|not|cannot|could|unreachable|refused)\b/i.test(l));
	if (mongo) return `needs a MongoDB server, none reachable here (${clip(mongo)})`;
	// The first error is usually the cause (tsc's `file(line,col): error TS…`, Vitest's `FAIL test/…`, `npm error …`).
	const first =
		lines.find((l) => /^(FAIL\b|npm error\b)|error TS\d+/.test(l)) ??
		lines.find((l) => /\b(error|fail)|✗|×/i.test(l) && !l.startsWith("✓"));
	return first ? clip(first) : `exit code ${code}`;
}

function clip(line: string): string {
	return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

// Settings of this process (npm run, Vitest, the shell) must not leak into the projects' tests. DATABASE_URL and
// MONGODB_URI are kept on purpose: they are how a CI job gives the tests a PostgreSQL or MongoDB server.
const DROPPED = /^(npm_.*|VITEST.*|NODE_ENV|NODE_OPTIONS|PORT|HOST|JWT_.*|LOG_LEVEL|CORS_ORIGIN)$/i;

function runLogged(args: string[], cwd: string, log: string): Promise<{ code: number | null; output: string }> {
	const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !DROPPED.test(key)));
	return mkdir(path.dirname(log), { recursive: true }).then(
		() =>
			new Promise((done) => {
				const out = createWriteStream(log);
				const chunks: Buffer[] = [];
				const child = spawn("npm", args, { cwd, env: { ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
				const collect = (chunk: Buffer) => chunks.push(chunk) && out.write(chunk);
				child.stdout.on("data", collect);
				child.stderr.on("data", collect);
				const timer = setTimeout(() => child.kill("SIGKILL"), STEP_TIMEOUT_MS);
				let finished = false;
				const finish = (code: number | null, note = "") => {
					if (finished) return;
					finished = true;
					clearTimeout(timer);
					out.end(note);
					done({ code, output: Buffer.concat(chunks).toString("utf8") + note });
				};
				child.on("error", (error) => finish(null, `\nnpm could not start: ${error.message}\n`));
				child.on("close", (code) => finish(code));
			}),
	);
}

export function describeAnswers(answers: Record<string, string>): string {
	return Object.entries(answers)
		.map(([k, v]) => `${k}=${v}`)
		.join(" ");
}

/** `pack check PACK --build [--only name=value,…] [--jobs N]`, after the render check passed. */
export async function reportBuild(ref: string, flags: { only: string[]; jobs: number }, log: Logger): Promise<void> {
	if (!Number.isInteger(flags.jobs) || flags.jobs < 1) throw new UserError("--jobs: give a whole number, 1 or more");
	const pack = await loadPack(ref);
	const all = combinationsOf(pack.options);
	const only = parseOnly(flags.only, pack);
	const count = all.filter((answers) => matchesWhen(only, answers)).length;
	const filter =
		flags.only.length > 0
			? `; the ${all.length - count} others are not built (--only ${flags.only.join(" --only ")})`
			: "";
	log.step(`Building ${count} of ${all.length} combinations of ${pack.name} (npm install, typecheck, test)${filter}`);
	const started = Date.now();
	const results = await buildCombinations(pack, all, { only, jobs: flags.jobs, log });
	const took = `${((Date.now() - started) / 60_000).toFixed(1)} min`;
	const failed = results.filter((r) => !r.ok);
	if (failed.length > 0) {
		const kept = path.dirname(failed[0]?.kept ?? "");
		throw new UserError(
			`${failed.length} of ${results.length} built combinations of ${pack.name} failed (${took}); projects and logs kept in ${kept}`,
			1,
		);
	}
	log.step(
		`Built ${results.length} of ${all.length} combinations of ${pack.name}: all installed, type-checked and tested (${took})`,
	);
}
