// Section 4, footprint: install size, install and build time, cold start of each generated combination.

import fs from "node:fs";
import path from "node:path";
import { brief, log, note, results, settings } from "../lib/context.mjs";
import { appEnv, migrate, project, startApp, startBare } from "../lib/projects.mjs";
import { countTree, cpuTimeMs, duBytes, rotate, round, summary } from "../lib/util.mjs";

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
			for (let i = 0; i < settings.coldRuns + 1; i++) {
				for (const who of rotate(["bare", "app"], i)) {
					if (who === "bare") {
						const b = await startBare();
						if (i > 0) {
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
}
