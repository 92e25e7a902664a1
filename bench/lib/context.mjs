// What every section of the bench shares: the flags (parsed when this module loads), the settings, the work
// folder and its clean-up, the results being collected, logging, and the commands that generate a project.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cleanEnv, machineInfo, round } from "./util.mjs";

export const BENCH = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");
export const ROOT = path.resolve(BENCH, "..");
export const CLI = path.join(ROOT, "bin/create-backend-starter.js");
export const MAXRSS = path.join(BENCH, "lib/maxrss.cjs");
export const MODTRACE = path.join(BENCH, "lib/modtrace.mjs");
export const TICK_PROBE = path.join(BENCH, "lib/tick-probe.mjs");
export const BARE = path.join(BENCH, "bare-server.mjs");

export const ALL_SECTIONS = ["startup", "generate", "server", "footprint", "profile"];
export const DEFAULT_SECTIONS = ["startup", "generate", "server", "footprint"];
/** The project `create-backend-starter app --yes` generates (REST, PostgreSQL/PGlite, JWT, no OIDC): the goals' subject. */
export const DEFAULT_COMBO = "rest/sql/jwt";
export const ALL_COMBOS = [];
for (const api of ["rest", "graphql"])
	for (const db of ["sql", "nosql"]) for (const auth of ["jwt", "none"]) ALL_COMBOS.push(`${api}/${db}/${auth}`);

// ---------------------------------------------------------------- options
export const { values: opt } = parseBenchArgs({
	allowNegative: true,
	options: {
		only: { type: "string" },
		quick: { type: "boolean", default: false },
		runs: { type: "string" },
		duration: { type: "string" },
		connections: { type: "string" },
		"server-combos": { type: "string" },
		"footprint-combos": { type: "string" },
		dbs: { type: "string" },
		notes: { type: "string" },
		"gen-dir": { type: "string" },
		"skip-install": { type: "boolean", default: false },
		"skip-build": { type: "boolean", default: false },
		"keep-rate-limit": { type: "boolean", default: false },
		keep: { type: "boolean", default: false },
		callgrind: { type: "boolean", default: true },
		out: { type: "string" },
		"write-docs": { type: "boolean", default: false },
		report: { type: "string" },
		help: { type: "boolean", short: "h", default: false },
	},
});

/** parseArgs, with a one-line error and exit 2 for an unknown flag or a flag given the wrong kind of value. */
export function parseBenchArgs(config) {
	try {
		return parseArgs(config);
	} catch (e) {
		return usage(`${e.message} (npm run bench -- --help lists the flags)`);
	}
}

if (opt.help) {
	console.log(`npm run bench -- [options]

  --only LIST             sections, comma-separated: ${ALL_SECTIONS.join(", ")}
                          (default: ${DEFAULT_SECTIONS.join(",")}; 'profile' runs only when named)
  --quick                 fewer runs and shorter load runs: a smoke test of the bench itself (~3-5 min, plus
                          one run of the default project's npm test)
  --runs N                measured rounds per figure (default: startup 20 / generation 10 / load 3, GET /health 9;
                          quick 5/3/1, GET /health 2; cold starts 5, quick 2; the default project's npm test 3,
                          quick 1)
  --duration S            seconds per load run (default 5; quick 1)
  --connections N         autocannon connections (default 10)
  --server-combos LIST    combinations for the server section (default rest/sql/jwt,graphql/sql/jwt)
  --footprint-combos LIST combinations for the footprint section (default all 8; quick: the server combos). With
                          ${DEFAULT_COMBO} among them it also times that project's npm test (3 runs; quick 1) and
                          reads its server's peak RSS after 2000 authenticated list requests, on each of --dbs
  --dbs LIST              pglite,postgres (default both; postgres is skipped when 127.0.0.1:5432 does not answer)
  --notes N               notes seeded before the list run (default 1000)
  --gen-dir DIR           where the generation section writes (default: /dev/shm when it is a RAM filesystem, else
                          the system's temp folder; see docs/benchmarks.md, "Where generation writes")
  --skip-install          do not run 'npm ci --prefix bench' first
  --skip-build            do not run 'npm run build' of the tool first
  --keep-rate-limit       do not raise the generated app's rate-limit constant in the bench's copy (see the docs)
  --no-callgrind          skip the instructions per GET /health counted under valgrind's callgrind (~1 min per
                          server; on by default where valgrind is installed)
  --keep                  keep the work folder (generated projects) instead of deleting it
  --out FILE              also write the JSON results there (always: bench/results/latest.json)
  --write-docs            put this run's tables into docs/benchmarks.md (between its bench:results markers)
  --report FILE.json      measure nothing: print the tables of an earlier run's JSON (with --write-docs: into the docs)`);
	process.exit(0);
}

export const quick = opt.quick;
export const sections = (opt.only ?? DEFAULT_SECTIONS.join(","))
	.split(",")
	.map((s) => s.trim())
	.filter(Boolean);
for (const s of sections)
	if (!ALL_SECTIONS.includes(s)) usage(`unknown section '${s}' (one of ${ALL_SECTIONS.join(", ")})`);
export const has = (s) => sections.includes(s);
export const intOpt = (v, d) =>
	v === undefined ? d : Number.parseInt(v, 10) > 0 ? Number.parseInt(v, 10) : usage(`not a positive number: ${v}`);
export const runsOverride = opt.runs === undefined ? undefined : intOpt(opt.runs);
export const settings = {
	mode: quick ? "quick" : "full",
	startupRuns: runsOverride ?? (quick ? 5 : 20),
	generateRuns: runsOverride ?? (quick ? 3 : 10),
	memoryRuns: quick ? 1 : 3,
	loadRuns: runsOverride ?? (quick ? 1 : 3),
	// GET /health carries the target and this host swings ±15–30% between 5-s runs: 9 paired rounds.
	healthLoadRuns: runsOverride ?? (quick ? 2 : 9),
	loadSeconds: opt.duration ? Number(opt.duration) : quick ? 1 : 5,
	warmupSeconds: quick ? 0.5 : 1,
	connections: intOpt(opt.connections, 10),
	coldRuns: runsOverride ?? (quick ? 2 : 5),
	// The default project's own `npm test` (~15-40 s each) and the requests behind its peak RSS.
	testRuns: runsOverride ?? (quick ? 1 : 3),
	memoryRequests: 2000,
	// Requests before and during the count of instructions under callgrind (~200 a second there). Quick mode's
	// 1,000 leave V8 unwarmed (both counts ~2× higher): a smoke test of the measurement, not a figure.
	callgrindWarmup: quick ? 1000 : 5000,
	callgrindCount: quick ? 1000 : 5000,
	notes: intOpt(opt.notes, 1000),
	serverCombos: splitCombos(opt["server-combos"] ?? "rest/sql/jwt,graphql/sql/jwt"),
	footprintCombos: splitCombos(
		opt["footprint-combos"] ??
			(quick ? (opt["server-combos"] ?? "rest/sql/jwt,graphql/sql/jwt") : ALL_COMBOS.join(",")),
	),
	dbs: (opt.dbs ?? "pglite,postgres").split(",").map((s) => s.trim()),
	genDir: opt["gen-dir"] ?? defaultGenDir(),
};
if (!(settings.loadSeconds > 0)) usage("--duration must be a positive number of seconds");
for (const d of settings.dbs) if (!["pglite", "postgres"].includes(d)) usage(`unknown db '${d}' (pglite, postgres)`);
try {
	fs.accessSync(settings.genDir, fs.constants.W_OK);
	if (!fs.statSync(settings.genDir).isDirectory()) throw new Error();
} catch {
	usage(`--gen-dir: not a folder this user can write to: ${settings.genDir}`);
}

/**
 * Generation is timed on a RAM filesystem where there is one: it measures the two tools, not the disk. On an ext4
 * without a journal (this project's CI machines), creating a file scans past every inode deleted in the last minutes,
 * so after a test run has deleted many files each new file costs 0.5-1.5 ms of kernel time, which charges a tool in
 * proportion to the files it writes (69 against create-vite's 12) for what other programs deleted before.
 */
export function defaultGenDir() {
	try {
		if (fsType("/dev/shm") === "tmpfs") {
			fs.accessSync("/dev/shm", fs.constants.W_OK);
			return "/dev/shm";
		}
	} catch {}
	return os.tmpdir();
}

export function splitCombos(s) {
	const list = s
		.split(",")
		.map((c) => c.trim())
		.filter(Boolean);
	for (const c of list)
		if (!ALL_COMBOS.includes(c)) usage(`unknown combination '${c}' (api/db/auth, e.g. rest/sql/jwt)`);
	return list;
}
export function usage(msg) {
	console.error(`bench: ${msg}`);
	process.exit(2);
}

// ---------------------------------------------------------------- run-wide state and cleanup
export const t0 = Date.now();
export const work = fs.mkdtempSync(path.join(os.tmpdir(), "cbs-bench-"));
export const logFile = path.join(work, "bench.log");
export const cleanups = [];
export let cleaning = false;
export async function cleanup() {
	if (cleaning) return;
	cleaning = true;
	for (const f of cleanups.reverse()) {
		try {
			await f();
		} catch (e) {
			console.error(`cleanup: ${e.message}`);
		}
	}
	if (!opt.keep) fs.rmSync(work, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"]) {
	process.on(sig, async () => {
		console.error(`\nbench: ${sig}, cleaning up…`);
		await cleanup();
		process.exit(130);
	});
}

export const results = {
	tool: "create-backend-starter",
	startedAt: new Date(t0).toISOString(),
	machine: { ...machineInfo(), loadAvgAtStart: os.loadavg().map((x) => round(x, 2)) },
	git: gitInfo(),
	settings: { ...settings, sections },
	baselines: {},
	sections: {},
	targets: [],
	notes: [],
};

export function log(msg) {
	process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
}
/** An error in a few lines: its first line and the last lines (a log's tail holds the cause). */
export function brief(e, tail = 8) {
	const lines = String(e?.message ?? e)
		.split("\n")
		.filter((l) => l.trim() && !/Unknown user config/.test(l));
	return lines.length <= tail + 1 ? lines.join(" | ") : [lines[0], "…", ...lines.slice(-tail)].join(" | ");
}
export function note(msg) {
	results.notes.push(msg);
	log(`NOTE: ${msg}`);
}
export function gitInfo() {
	const r = spawnSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" });
	const d = spawnSync("git", ["-C", ROOT, "status", "--porcelain", "--", "src", "templates", "bin", "package.json"], {
		encoding: "utf8",
	});
	return { commit: r.status === 0 ? r.stdout.trim() : null, dirty: d.status === 0 ? d.stdout.trim().length > 0 : null };
}

// ---------------------------------------------------------------- preparation
export function prepareBench() {
	if (!opt["skip-install"]) {
		log("npm ci --prefix bench (autocannon, create-vite, fastify: pinned)");
		const r = spawnSync("npm", ["ci", "--prefix", BENCH, "--no-audit", "--no-fund", "--loglevel=error"], {
			cwd: ROOT,
			encoding: "utf8",
			env: cleanEnv(),
		});
		if (r.status !== 0) throw new Error(`npm ci --prefix bench failed:\n${r.stderr}`);
	}
	const pj = (p) => JSON.parse(fs.readFileSync(path.join(BENCH, "node_modules", p, "package.json"), "utf8")).version;
	results.baselines = { "create-vite": pj("create-vite"), fastify: pj("fastify"), autocannon: pj("autocannon") };
	if (
		!opt["skip-build"] &&
		(has("startup") || has("generate") || has("server") || has("footprint") || has("profile"))
	) {
		if (fs.existsSync(path.join(ROOT, "src"))) {
			log("npm run build (the tool)");
			const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, encoding: "utf8", env: cleanEnv() });
			if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
		}
	}
	if (!fs.existsSync(path.join(ROOT, "dist/cli.js")))
		throw new Error("dist/cli.js is missing: build the tool first (npm run build)");
	results.toolVersion = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
}

export const comboFlags = (c) => {
	const [api, db, auth] = c.split("/");
	return ["--api", api, "--db", db, "--auth", auth];
};

/** A fresh empty folder under the work folder. */
export function freshDir(label, base = work) {
	return fs.mkdtempSync(path.join(base, `${label}-`));
}

/** The filesystem type of the mount that holds `dir` (Linux), for the report. */
export function fsType(dir) {
	try {
		const real = fs.realpathSync(dir);
		let best = { mount: "", type: null };
		for (const line of fs.readFileSync("/proc/mounts", "utf8").split("\n")) {
			const [, mount, type] = line.split(" ");
			if (
				mount &&
				(real === mount || real.startsWith(mount.endsWith("/") ? mount : `${mount}/`)) &&
				mount.length >= best.mount.length
			)
				best = { mount, type };
		}
		return best.type;
	} catch {
		return null;
	}
}

export const genArgs = (c) => [CLI, "app", ...comboFlags(c), "--yes", "--no-install", "--no-git"];
export const viteArgs = () => [
	path.join(BENCH, "node_modules/create-vite/index.js"),
	"app",
	"--template",
	"vanilla-ts",
	"--no-interactive",
];

/** Mean CPU ms per run from tick-granular samples (a sum over many runs is exact to a tick). */
export function meanCpu(xs) {
	const v = xs.filter((x) => x != null);
	return v.length ? round(v.reduce((a, b) => a + b, 0) / v.length, 1) : null;
}
