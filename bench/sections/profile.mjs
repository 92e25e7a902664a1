// The profile section (only when named): CPU profiles and module counts of a generation and of the server.

import fs from "node:fs";
import path from "node:path";
import {
	BARE,
	BENCH,
	brief,
	CLI,
	cleanups,
	freshDir,
	genArgs,
	log,
	MODTRACE,
	note,
	ROOT,
	results,
	settings,
	viteArgs,
	work,
} from "../lib/context.mjs";
import { newestProfile, summarizeCpuProfile, summarizeModules } from "../lib/profile.mjs";
import { appEnv, migrate, project, startApp } from "../lib/projects.mjs";
import { cleanEnv, freePort, median, NODE, rotate, round, startProcess, timedRun, waitFor200 } from "../lib/util.mjs";
import { load, seedAndScenarios } from "./server.mjs";

export async function sectionProfile() {
	const dir = path.join(BENCH, "results", "profiles");
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(dir, { recursive: true });
	const roots = [["tool", ROOT + path.sep]];
	const out = {};
	results.sections.profile = out;
	const env = cleanEnv();
	const prof = (label, args, cwd) => {
		const d = path.join(dir, label);
		fs.mkdirSync(d, { recursive: true });
		timedRun(NODE, ["--cpu-prof", "--cpu-prof-interval", "100", "--cpu-prof-dir", d, ...args], { cwd, env });
		return summarizeCpuProfile(newestProfile(d), { projectRoots: roots });
	};
	const modules = (args, cwd) => {
		const f = path.join(work, "modtrace.json");
		timedRun(NODE, ["--import", MODTRACE, ...args], { cwd, env: { ...env, BENCH_MODTRACE_FILE: f } });
		return summarizeModules(JSON.parse(fs.readFileSync(f, "utf8")), roots);
	};
	const attempt = (label, f) => {
		try {
			f();
		} catch (e) {
			note(`profile of ${label}: ${brief(e)}`);
		}
	};
	log("profile: --version");
	attempt("--version", () => {
		out.version = { cpu: prof("version", [CLI, "--version"]), modules: modules([CLI, "--version"]) };
		out.baselineNodeE0 = { cpu: prof("node-e-0", ["-e", "0"]) };
	});
	const largest = results.sections.generate?.largest ?? "graphql/sql/jwt";
	log(`profile: generation of ${largest}`);
	attempt("generation", () => {
		out.generate = { combo: largest, cpu: prof("generate", genArgs(largest), freshDir("prof")) };
		out.generate.modules = modules(genArgs(largest), freshDir("prof"));
	});
	// What each of the tool's dependencies costs to import on its own: `import(dep)` against an empty ESM eval.
	attempt("import costs", () => {
		const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies ?? {});
		const cmds = { "(empty ESM eval)": ["--input-type=module", "-e", "0"] };
		for (const d of deps) cmds[d] = ["--input-type=module", "-e", `await import(${JSON.stringify(d)})`];
		cmds["dist/cli.js (all static imports)"] = [
			"--input-type=module",
			"-e",
			`await import(${JSON.stringify(path.join(ROOT, "dist/cli.js"))})`,
		];
		const names = Object.keys(cmds);
		const times = Object.fromEntries(names.map((n) => [n, []]));
		const n = Math.max(5, settings.startupRuns);
		for (const k of names) timedRun(NODE, cmds[k], { cwd: ROOT, env });
		for (let i = 0; i < n; i++)
			for (const k of rotate(names, i)) times[k].push(timedRun(NODE, cmds[k], { cwd: ROOT, env }).ms);
		const base = median(times[names[0]]);
		out.importCosts = names.map((k) => ({
			module: k,
			ms: round(median(times[k]), 1),
			overEmptyMs: round(median(times[k]) - base, 1),
		}));
	});
	attempt("create-vite", () => {
		out.vite = {
			cpu: prof("create-vite", viteArgs(), freshDir("prof")),
			modules: modules(viteArgs(), freshDir("prof")),
		};
	});

	// The server: one profile under GET /health load, one under the authenticated list.
	const combo = settings.serverCombos.find((c) => !c.includes("/nosql/")) ?? "rest/sql/jwt";
	try {
		const proj = await project(combo);
		roots.push(["app", proj.dir + path.sep]);
		fs.rmSync(path.join(proj.dir, ".data"), { recursive: true, force: true });
		await migrate(proj, appEnv(proj, { port: 0 }));
		// Modules the server loads before it answers (with PGlite).
		const f = path.join(work, "modtrace-server.json");
		const m = await startApp(proj, { nodeFlags: ["--import", MODTRACE], extraEnv: { BENCH_MODTRACE_FILE: f } });
		await m.proc.stop();
		out.serverStart = {
			combo,
			modules: fs.existsSync(f) ? summarizeModules(JSON.parse(fs.readFileSync(f, "utf8")), roots) : null,
		};
		// Seed once, unprofiled; the profiled runs then only log in (one password hash) before the load.
		const seeded = await startApp(proj);
		const { creds } = await seedAndScenarios(proj, seeded.base);
		await seeded.proc.stop();
		for (const which of ["health", "list"]) {
			const pd = path.join(dir, `server-${which}`);
			fs.mkdirSync(pd, { recursive: true });
			const a = await startApp(proj, { nodeFlags: ["--cpu-prof", "--cpu-prof-dir", pd] });
			const { scenarios } = await seedAndScenarios(
				proj,
				a.base,
				which === "health" ? { seed: false } : { login: creds },
			);
			log(`profile: ${combo} under ${scenarios[which === "health" ? 0 : 1].name}`);
			const r = await load(scenarios[which === "health" ? 0 : 1], Math.max(3, settings.loadSeconds));
			const st = await a.proc.stop();
			const file = newestProfile(pd);
			out[`server-${which}`] = {
				combo,
				rps: round(r.rps, 0),
				exit: st,
				cpu: file ? summarizeCpuProfile(file, { projectRoots: roots, top: 25 }) : null,
			};
			if (!file)
				note(`profile: the server wrote no CPU profile (${JSON.stringify(st)}): does it exit normally on SIGTERM?`);
		}
		const pd = path.join(dir, "bare-health");
		fs.mkdirSync(pd, { recursive: true });
		const port = await freePort();
		const b = startProcess(NODE, ["--cpu-prof", "--cpu-prof-dir", pd, BARE], {
			cwd: BENCH,
			env: cleanEnv({ PORT: String(port) }),
		});
		cleanups.push(() => b.stop());
		await waitFor200(`http://127.0.0.1:${port}/health`, { child: b.child });
		const r = await load({ url: `http://127.0.0.1:${port}/health` }, Math.max(3, settings.loadSeconds));
		await b.stop();
		out["bare-health"] = {
			rps: round(r.rps, 0),
			cpu: summarizeCpuProfile(newestProfile(pd), { projectRoots: roots, top: 25 }),
		};
	} catch (e) {
		note(`profile of the server: ${brief(e)}`);
	}
	out.folder = dir;
}
