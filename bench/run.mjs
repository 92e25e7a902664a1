#!/usr/bin/env node
// The benchmarks of create-backend-starter: `npm run bench [-- --only startup,generate] [-- --quick]`.
// It measures and prints; it never fails on a number. Every figure is the median of several runs, and every
// comparison is the median of per-round ratios against a baseline run next to it in the same round, the two
// alternating which goes first. See docs/benchmarks.md. Each section is a module of bench/sections/; what they
// share is in bench/lib/context.mjs.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
	BENCH,
	brief,
	cleanup,
	DEFAULT_SECTIONS,
	has,
	log,
	note,
	opt,
	prepareBench,
	ROOT,
	results,
	sections,
	settings,
	t0,
	work,
} from "./lib/context.mjs";
import { markdown, writeDocs } from "./lib/report.mjs";
import { round } from "./lib/util.mjs";
import { sectionFootprint } from "./sections/footprint.mjs";
import { sectionGenerate } from "./sections/generate.mjs";
import { sectionProfile } from "./sections/profile.mjs";
import { sectionServer } from "./sections/server.mjs";
import { sectionStartup } from "./sections/startup.mjs";

async function main() {
	if (opt.report) {
		const earlier = JSON.parse(fs.readFileSync(opt.report, "utf8"));
		const md = markdown(earlier);
		console.log(md);
		const only = earlier.settings?.sections?.join(",");
		const flags = [
			earlier.settings?.mode === "quick" ? "--quick" : "",
			only && only !== DEFAULT_SECTIONS.join(",") ? `--only ${only}` : "",
		].filter(Boolean);
		if (opt["write-docs"]) writeDocs(md, `npm run bench${flags.length ? ` -- ${flags.join(" ")}` : ""}`, opt.report);
		return;
	}
	log(`sections: ${sections.join(", ")} · ${settings.mode} mode · work folder ${work}`);
	prepareBench();
	const steps = {
		startup: sectionStartup,
		generate: sectionGenerate,
		footprint: sectionFootprint,
		server: sectionServer,
		profile: sectionProfile,
	};
	// Footprint before server: it installs every combination the server section then reuses.
	for (const s of ["startup", "generate", "footprint", "server", "profile"]) {
		if (!has(s)) continue;
		try {
			await steps[s]();
		} catch (e) {
			results.sections[s] = { ...(results.sections[s] ?? {}), error: e.message };
			note(`section ${s} failed: ${brief(e)}`);
		}
	}
	results.machine.loadAvgAtEnd = os.loadavg().map((x) => round(x, 2));
	results.durationS = (Date.now() - t0) / 1000;
	const resDir = path.join(BENCH, "results");
	fs.mkdirSync(resDir, { recursive: true });
	const json = `${JSON.stringify(results, null, 2)}\n`;
	fs.writeFileSync(path.join(resDir, "latest.json"), json);
	const md = markdown(results);
	fs.writeFileSync(path.join(resDir, "latest.md"), `${md}\n`);
	if (opt.out) fs.writeFileSync(opt.out, json);
	if (opt["write-docs"]) {
		// The documented run keeps its raw figures beside the docs (bench/results/ is git-ignored).
		fs.writeFileSync(path.join(ROOT, "docs", "benchmarks-run.json"), json);
		writeDocs(md, undefined, "docs/benchmarks-run.json");
	}
	console.log(md);
	log(`results: ${path.join(resDir, "latest.json")} (and latest.md)${opt.keep ? `; work folder kept: ${work}` : ""}`);
}

try {
	await main();
} finally {
	await cleanup();
}
