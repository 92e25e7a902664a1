// Section 4, footprint: install size, install and build time, cold start of each generated combination; for the
// default project also its own `npm test` time and the server's peak RSS after authenticated list requests.

import fs from "node:fs";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { brief, DEFAULT_COMBO, log, note, results, settings } from "../lib/context.mjs";
import { peakRssAfterList } from "../lib/memory.mjs";
import { appEnv, migrate, postgresAvailable, project, startApp, startBare } from "../lib/projects.mjs";
import {
	cleanEnv,
	countTree,
	cpuTimeMs,
	duBytes,
	pairedRatios,
	rotate,
	round,
	summary,
	timedRun,
} from "../lib/util.mjs";

export function lockCounts(dir) {
	try {
		const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
		const entries = Object.entries(lock.packages ?? {}).filter(
			([k]) => k.startsWith("node_modules/") || k.includes("/node_modules/"),
		);
		const prod = entries.filter(([, v]) => !v.dev && !v.devOptional);
		// What `npm ci --omit=dev` would leave: each production package's own files (nested node_modules counted apart).
		let productionBytes = 0;
		for (const [k] of prod) {
			const d = path.join(dir, k);
			if (fs.existsSync(d)) productionBytes += countTree(d, { skip: ["node_modules"] }).bytes;
		}
		return { packages: entries.length, production: prod.length, productionBytes };
	} catch {
		return { packages: null, production: null };
	}
}

export async function sectionFootprint() {
	const out = { combos: {} };
	results.sections.footprint = out;
	const bareColds = [];
	const bareColdCpu = [];
	for (const combo of settings.footprintCombos) {
		const e = {};
		out.combos[combo] = e;
		let proj;
		try {
			proj = await project(combo);
		} catch (err) {
			e.error = err.message.split("\n")[0];
			note(`${combo}: could not be prepared: ${brief(err)}`);
			continue;
		}
		Object.assign(e, duBytes(path.join(proj.dir, "node_modules")), lockCounts(proj.dir), {
			installMs: round(proj.installMs, 0),
			buildMs: round(proj.buildMs, 0),
		});
		const nosql = combo.includes("/nosql/");
		try {
			if (!nosql) {
				// First start on a fresh PGlite data folder (it creates the database), then starts on the existing one.
				fs.rmSync(path.join(proj.dir, ".data"), { recursive: true, force: true });
				await migrate(proj, appEnv(proj, { port: 0 }));
			}
			const colds = [];
			const coldCpu = [];
			const roundBare = [];
			for (let i = 0; i < settings.coldRuns + 1; i++) {
				for (const who of rotate(["bare", "app"], i)) {
					if (who === "bare") {
						const b = await startBare();
						if (i > 0) {
							roundBare.push(b.coldMs);
							bareColds.push(b.coldMs);
							bareColdCpu.push(cpuTimeMs(b.proc.child.pid));
						}
						await b.proc.stop();
					} else {
						const a = await startApp(proj, { timeoutMs: nosql ? 15_000 : 60_000 });
						if (i === 0) e.firstStartMs = round(a.coldMs, 1);
						else {
							colds.push(a.coldMs);
							coldCpu.push(a.coldCpuMs);
						}
						await a.proc.stop();
					}
				}
			}
			e.coldStartMs = summary(colds);
			e.coldStartCpuMs = summary(coldCpu);
			// Each round started bare Fastify and the app back to back: the ratio is taken round by round.
			e.coldStartRatio = pairedRatios(colds, roundBare);
		} catch (err) {
			e.coldStartError = err.message.split("\n")[0];
			note(
				`${combo}: cold start not measured: ${err.message.split("\n")[0]}${nosql ? " (no MongoDB server can run on this machine)" : ""}`,
			);
		}
		log(
			`${combo}: node_modules ${round(e.apparentBytes / 1e6, 1)} MB, ${e.packages} packages, cold start ${e.coldStartMs?.median != null ? round(e.coldStartMs.median, 0) : "—"} ms`,
		);
	}
	out.bareColdStartMs = summary(bareColds);
	out.bareColdStartCpuMs = summary(bareColdCpu);
	await defaultProjectFigures(out);
}

/** The default project's own test suite and its server's memory: what its user meets first. */
async function defaultProjectFigures(out) {
	if (!settings.footprintCombos.includes(DEFAULT_COMBO)) {
		note(`footprint: ${DEFAULT_COMBO} is not among --footprint-combos: no npm test time, no peak RSS`);
		return;
	}
	let proj;
	try {
		proj = await project(DEFAULT_COMBO);
	} catch {
		return; // noted above
	}
	out.defaultCombo = DEFAULT_COMBO;
	out.tests = timeProjectTests(proj);
	out.memory = [];
	const pgProblem = settings.dbs.includes("postgres") ? postgresAvailable() : null;
	for (const db of settings.dbs) {
		if (db === "postgres" && pgProblem) {
			out.memory.push({ db, error: `PostgreSQL is not usable: ${pgProblem}` });
			continue;
		}
		try {
			const m = await peakRssAfterList(proj, db);
			out.memory.push(m);
			if (m.non2xxOrErrors > 0)
				note(`${DEFAULT_COMBO} on ${db}: ${m.non2xxOrErrors} list requests were not 2xx or failed during the RSS run`);
			log(`${DEFAULT_COMBO} on ${db}: peak RSS ${round(m.peakRssKiB / 1024, 1)} MiB after ${m.requests} list requests`);
		} catch (e) {
			out.memory.push({ db, error: brief(e) });
			note(`${DEFAULT_COMBO} on ${db}: peak RSS not measured: ${brief(e)}`);
		}
	}
}

/**
 * `npm test` of the generated project as its user runs it: no DATABASE_URL, so on in-memory PGlite. Wall time of
 * each run (median of `settings.testRuns`) and the CPU time of the whole process tree.
 */
function timeProjectTests(proj) {
	const env = cleanEnv({ DATABASE_URL: undefined, NODE_ENV: undefined });
	const wall = [];
	const cpu = [];
	let tests = null;
	for (let i = 0; i < settings.testRuns; i++) {
		log(`${proj.combo}: npm test (${i + 1}/${settings.testRuns})`);
		try {
			const r = timedRun("npm", ["test", "--silent"], { cwd: proj.dir, env });
			wall.push(r.ms);
			cpu.push(r.cpuMs);
			tests = /Tests\s+(\d+ passed[^\n]*)/.exec(stripVTControlCharacters(r.stdout))?.[1]?.trim() ?? tests;
		} catch (e) {
			note(`${proj.combo}: npm test failed: ${brief(e, 4)}`);
			return { error: brief(e, 4) };
		}
	}
	return { wallMs: summary(wall), cpuMs: summary(cpu), tests };
}
