// The report: the results as Markdown tables, and --write-docs into docs/benchmarks.md.

import fs from "node:fs";
import path from "node:path";
import { log, note, ROOT } from "./context.mjs";
import { goalsTable } from "./goals.mjs";
import { round } from "./util.mjs";

export const f1 = (x) => (x == null ? "—" : round(x, 1).toFixed(1));
export const f0 = (x) => (x == null ? "—" : String(Math.round(x)));
export const mib = (kib) => (kib == null ? "—" : (kib / 1024).toFixed(1));
export const range = (s) => (s?.median == null ? "—" : `${f1(s.median)} (${f1(s.min)}–${f1(s.max)})`);
export const f3 = (x) => (x == null ? "—" : String(round(x, 3)));
/** The spread of paired ratios ({min, max}): "range 0.712–0.93×". */
export function spread(s) {
	return `range ${f3(s?.min)}–${f3(s?.max)}×`;
}
/** A paired-ratio summary in one cell: "0.815× (0.712–0.93)"; no range for a single round. */
export function spreadWithMedian(s) {
	return s?.median == null ? "—" : `${round(s.median, 3)}×${s.n > 1 ? ` (${f3(s.min)}–${f3(s.max)})` : ""}`;
}

export function markdown(res) {
	const L = [];
	const m = res.machine;
	L.push(`- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · ${m.platform}`);
	L.push(
		`- Run: ${res.startedAt} · ${res.settings.mode} mode · ${Math.round(res.durationS)} s · load average ${res.machine.loadAvgAtStart?.join(" ")} at start, ${res.machine.loadAvgAtEnd?.join(" ")} at end · tool ${res.toolVersion ?? "?"} (commit ${res.git?.commit?.slice(0, 10) ?? "?"}${res.git?.dirty ? ", uncommitted changes" : ""})`,
	);
	L.push(
		`- Baselines: create-vite ${res.baselines["create-vite"]}, fastify ${res.baselines.fastify}; load by autocannon ${res.baselines.autocannon}, ${res.settings.connections} connections, ${res.settings.loadSeconds} s per run`,
	);
	L.push("");
	L.push(goalsTable(res));
	const s = res.sections;
	if (s.startup?.error)
		L.push(`### startup: failed`, "", `${String(s.startup.error).split("\n").slice(0, 4).join(" ")}`, "");
	else if (s.startup) {
		L.push(
			`### Start-up (${s.startup.ratios ? `${res.settings.startupRuns} rounds, the two back to back in each, alternating which goes first` : `median of ${res.settings.startupRuns}, alternating`})`,
			"",
		);
		L.push("| command | wall ms: median (min–max) | CPU ms (mean) | peak RSS MiB |", "| --- | --- | --- | --- |");
		for (const [n, v] of Object.entries(s.startup.commands))
			L.push(`| \`${n}\` | ${range(v.ms)} | ${v.cpuMsMean ?? "—"} | ${mib(v.maxRssKiB.median)} |`);
		const r = s.startup.ratios;
		L.push(
			"",
			r
				? `Ratio: **${s.startup.ratio}×** \`node -e 0\` in wall time: the median of the ${r.n} rounds' ratios (each round runs the two back to back), ${spread(r)}; the ratio of the two medians: ${s.startup.ratioOfMedians}×; in CPU time (means): ${s.startup.cpuRatio}×.`
				: `Ratio: **${s.startup.ratio}×** \`node -e 0\` in wall time (${s.startup.cpuRatio}× in CPU time).`,
			"",
		);
	}
	if (s.generate?.error)
		L.push(`### generate: failed`, "", `${String(s.generate.error).split("\n").slice(0, 4).join(" ")}`, "");
	else if (s.generate) {
		const g = s.generate;
		const paired = g.ratiosLargest != null; // absent from JSONs written before the paired ratios
		L.push(
			paired
				? `### Generation (${res.settings.generateRuns} rounds, create-vite and the largest back to back in each, alternating; \`--yes --no-install --no-git\`${g.dir ? `; written under \`${g.dir}\`${g.filesystem ? ` (${g.filesystem})` : ""}` : ""})`
				: `### Generation (median of ${res.settings.generateRuns}, rotating; \`--yes --no-install --no-git\`)`,
			"",
		);
		L.push(
			`| command | files | bytes | wall ms: median (min–max) | ratio to create-vite${paired ? ": median of the rounds’ ratios (min–max)" : ""} | CPU ms (mean) | peak RSS MiB |`,
			"| --- | --- | --- | --- | --- | --- | --- |",
		);
		const names = Object.keys(g.commands);
		const sz = [g.viteSize, g.sizes[g.smallest], g.sizes[g.largest]];
		const rt = [1, g.ratioSmallest, g.ratioLargest];
		const rr = [null, g.ratiosSmallest, g.ratiosLargest];
		names.forEach((n, i) => {
			const cell = rr[i] ? spreadWithMedian(rr[i]) : `${rt[i]}×`;
			L.push(
				`| ${n} | ${sz[i]?.files ?? "—"} | ${sz[i]?.bytes ?? "—"} | ${range(g.commands[n].ms)} | ${cell} | ${g.commands[n].cpuMsMean ?? "—"} | ${mib(g.commands[n].maxRssKiB.median)} |`,
			);
		});
		L.push(
			"",
			`All combinations: ${Object.entries(g.sizes)
				.map(([c, v]) => `${c} ${v.error ? "failed" : `${v.files} files/${v.bytes} B`}`)
				.join(" · ")}`,
			"",
		);
	}
	if (s.server?.error)
		L.push(`### server: failed`, "", `${String(s.server.error).split("\n").slice(0, 4).join(" ")}`, "");
	else if (s.server) {
		const paired = s.server.runs.some((r) => Object.values(r.scenarios ?? {}).some((v) => v.pairedRatios)); // absent from older JSONs
		L.push(
			paired
				? `### The generated server (NODE_ENV=production, LOG_LEVEL=warn; ${res.settings.healthLoadRuns} rounds for GET /health, ${res.settings.loadRuns} for the others; each round runs the request and bare Fastify's GET /health back to back, alternating which goes first; req/s, p99 and CPU: medians of the rounds)`
				: `### The generated server (NODE_ENV=production, LOG_LEVEL=warn; median of ${res.settings.loadRuns} runs, alternating with bare Fastify's GET /health)`,
			"",
		);
		L.push(
			`| combination | database | request | req/s | p99 ms | bare Fastify req/s | ratio${paired ? " to bare: median of the rounds’ ratios (min–max)" : ""} | server CPU µs/request (bare) | server k instructions/request (bare) | non-2xx |`,
			"| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
		);
		for (const r of s.server.runs) {
			if (r.error) {
				L.push(
					`| ${r.combo} | ${r.db} | failed: ${r.error.split("\n")[0].slice(0, 140).replaceAll("|", "\\|")} | | | | | | | |`,
				);
				continue;
			}
			for (const [n, v] of Object.entries(r.scenarios ?? {})) {
				const rt = v.pairedRatios
					? spreadWithMedian({ median: v.ratioToBare, min: v.ratioMin, max: v.ratioMax, n: v.pairedRatios.length })
					: `${v.ratioToBare}×`;
				L.push(
					`| ${r.combo} | ${r.db} | ${n} | ${f0(v.rps)} | ${v.p99Ms ?? "—"} | ${f0(v.bareRps)} | ${rt} | ${v.cpuUsPerReq ?? "—"} (${v.bareCpuUsPerReq ?? "—"}) | ${v.kInstrPerReq ?? "—"} (${v.bareKInstrPerReq ?? "—"}) | ${v.non2xxOrErrors} |`,
				);
			}
		}
		const seeds = s.server.runs
			.filter((r) => r.seed)
			.map(
				(r) =>
					`${r.combo}/${r.db} ${r.seed.notes} notes in ${(r.seed.ms / 1000).toFixed(1)} s, peak RSS ${mib(r.peakRssKiB)} MiB`,
			);
		if (seeds.length) L.push("", `Seeding and memory: ${seeds.join(" · ")}`);
		const ics = s.server.runs.filter((r) => r.nextTickIc).map((r) => `${r.combo}/${r.db} ${r.nextTickIc}`);
		if (ics.length)
			L.push(
				"",
				`process.nextTick's literal inline caches after 2 s of GET /health in a fresh server (megamorphic = the slow path of docs/benchmarks.md, "Status after the fourth session"): ${ics.join(" · ")}`,
			);
		const counted = s.server.runs.filter((r) => r.callgrind);
		if (counted.length) {
			const c0 = counted[0].callgrind;
			const each = counted.map(
				(r) =>
					`${r.combo}/${r.db} ${r.callgrind.ratio ? `${r.callgrind.appKInstr} k vs ${r.callgrind.bareKInstr} k, ${r.callgrind.ratio}×` : `not counted (${r.callgrind.error?.slice(0, 100)})`}`,
			);
			L.push(
				"",
				`GET /health in instructions per request, counted under valgrind's callgrind (one connection, ${c0.count} requests after ${c0.warmup} to warm up; app vs bare Fastify, bare / app): ${each.join(" · ")}`,
			);
		}
		const hand = s.server.runs.filter((r) => r.handwritten);
		if (hand.length)
			L.push(
				"",
				`The list against a hand-written Fastify + pg handler (\`bench/handwritten-server.mjs\`: the same query, JWT verified the same way, no user lookup; ${res.settings.loadRuns} rounds, back to back, alternating): ${hand
					.map((r) => {
						const h = r.handwritten;
						if (h.error) return `${r.combo}/${r.db} not measured (${h.error.slice(0, 100)})`;
						return `${r.combo}/${r.db} ${h.rps} vs ${h.handRps} req/s, ${spreadWithMedian({ median: h.ratio, min: h.ratioMin, max: h.ratioMax, n: h.pairedRatios.length })}; CPU ${h.cpuUsPerReq} vs ${h.handCpuUsPerReq} µs/request; p99 ${h.p99Ms} vs ${h.handP99Ms} ms`;
					})
					.join(" · ")}`,
			);
		const knobs = s.server.runs.find((r) => r.knobs)?.knobs;
		const patched = [...new Set(s.server.runs.flatMap((r) => r.rateLimitPatched ?? []))];
		L.push(
			"",
			`Rate limits: ${
				knobs && Object.keys(knobs).length
					? `knobs set: ${Object.entries(knobs)
							.map(([k, v]) => `${k}=${v}`)
							.join(", ")}`
					: "no knob found in .env.example/README"
			}${patched.length ? `; raised in the bench's generated copy: ${patched.join("; ")}` : ""}`,
			"",
		);
	}
	if (s.footprint?.error)
		L.push(`### footprint: failed`, "", `${String(s.footprint.error).split("\n").slice(0, 4).join(" ")}`, "");
	else if (s.footprint) {
		L.push(
			`### Footprint (after \`npm install\`; cold start = process start to the first 200 on /health, PGlite, median of ${res.settings.coldRuns})`,
			"",
		);
		L.push(
			"| combination | node_modules MB (production only) | on disk MB | packages (production) | install s | build s | first start ms | cold start ms: median (min–max) | to bare Fastify: median of the rounds’ ratios (min–max) | CPU ms to first 200 |",
			"| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
		);
		for (const [c, v] of Object.entries(s.footprint.combos)) {
			if (v.error) {
				L.push(`| ${c} | failed: ${v.error.slice(0, 120)} | | | | | | | | |`);
				continue;
			}
			L.push(
				`| ${c} | ${f1(v.apparentBytes / 1e6)}${v.productionBytes != null ? ` (${f1(v.productionBytes / 1e6)})` : ""} | ${f1(v.diskBytes / 1e6)} | ${v.packages} (${v.production}) | ${f1(v.installMs / 1000)} | ${f1(v.buildMs / 1000)} | ${f0(v.firstStartMs)} | ${v.coldStartError ? `not measured: ${v.coldStartError.slice(0, 80)}` : range(v.coldStartMs)} | ${v.coldStartRatio ? spreadWithMedian(v.coldStartRatio) : "—"} | ${f0(v.coldStartCpuMs?.median)} |`,
			);
		}
		L.push(
			"",
			`Bare Fastify cold start, same runs: ${range(s.footprint.bareColdStartMs)} ms, ${f0(s.footprint.bareColdStartCpuMs?.median)} ms CPU`,
			"",
		);
		const t = s.footprint.tests;
		if (t)
			L.push(
				t.error
					? `\`npm test\` of ${s.footprint.defaultCombo}: failed (${t.error.slice(0, 200)})`
					: `\`npm test\` of ${s.footprint.defaultCombo} (no DATABASE_URL: PGlite in memory): ${range({ median: t.wallMs.median / 1000, min: t.wallMs.min / 1000, max: t.wallMs.max / 1000 })} s wall (median of ${t.wallMs.n}), ${f1(t.cpuMs.median / 1000)} s CPU of the whole process tree; ${t.tests ?? "test count not read"}`,
				"",
			);
		for (const m of s.footprint.memory ?? [])
			L.push(
				m.error
					? `- peak RSS of ${s.footprint.defaultCombo} on ${m.db}: not measured (${m.error.slice(0, 200)})`
					: `- peak RSS of ${s.footprint.defaultCombo} on ${m.db}: ${mib(m.peakRssKiB)} MiB after ${m.requests} × ${m.request} over ${m.notes} notes (${mib(m.peakRssAfterSeedKiB)} MiB after seeding them; ${mib(m.rssAtEndKiB)} MiB resident at the end${m.non2xxOrErrors ? `; ${m.non2xxOrErrors} non-2xx or errors` : ""})`,
			);
		if (s.footprint.memory?.length) L.push("");
	}
	if (s.profile?.error)
		L.push(`### profile: failed`, "", `${String(s.profile.error).split("\n").slice(0, 4).join(" ")}`, "");
	else if (s.profile) {
		L.push("### Profiles (self time, ms)", "");
		for (const [k, v] of Object.entries(s.profile)) {
			if (!v?.cpu) continue;
			L.push(
				`- ${k}${v.rps ? ` (${v.rps} req/s while profiled)` : ""}, ${v.cpu.totalMs} ms profiled, by nearest package on the stack: ${v.cpu.byNearestPackage
					.slice(0, 8)
					.map((p) => `${p.package} ${p.ms}`)
					.join(", ")}`,
			);
			if (v.modules)
				L.push(
					`  modules loaded: ${v.modules.modules} (${Math.round(v.modules.bytes / 1024)} KiB): ${v.modules.byPackage
						.slice(0, 8)
						.map((p) => `${p.package} ${p.modules}/${Math.round(p.bytes / 1024)} KiB`)
						.join(", ")}`,
				);
		}
		if (s.profile.serverStart?.modules) {
			const mm = s.profile.serverStart.modules;
			L.push(
				`- server start modules: ${mm.modules} (${Math.round(mm.bytes / 1024)} KiB): ${mm.byPackage
					.slice(0, 10)
					.map((p) => `${p.package} ${p.modules}/${Math.round(p.bytes / 1024)} KiB`)
					.join(", ")}`,
			);
		}
		if (s.profile.importCosts) {
			L.push("", "| import (alone, ESM) | ms | over an empty ESM eval |", "| --- | --- | --- |");
			for (const c of s.profile.importCosts) L.push(`| ${c.module} | ${c.ms} | +${c.overEmptyMs} |`);
		}
		L.push("", `Profiles: ${s.profile.folder}`, "");
	}
	if (res.targets.length) {
		L.push("### Targets (reported, never asserted)", "", "| target | measured | met |", "| --- | --- | --- |");
		for (const t of res.targets)
			L.push(`| ${t.target} | ${t.value} | ${t.met == null ? "n/a" : t.met ? "yes" : "**no**"} |`);
		L.push("");
	}
	if (res.notes.length) {
		L.push("### Notes", "");
		for (const n of res.notes) L.push(`- ${n}`);
		L.push("");
	}
	return L.join("\n");
}

/** Replaces the text between the bench:results markers of docs/benchmarks.md with this run's tables. */
export function writeDocs(md, command, jsonFile = "bench/results/latest.json (git-ignored)") {
	const file = path.join(ROOT, "docs", "benchmarks.md");
	const start = "<!-- bench:results:start -->";
	const end = "<!-- bench:results:end -->";
	const text = fs.readFileSync(file, "utf8");
	const a = text.indexOf(start);
	const b = text.indexOf(end);
	if (a < 0 || b < a) {
		note(`--write-docs: ${file} has no ${start} … ${end} markers; left unchanged`);
		return;
	}
	const cmd = command ?? `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
	const body = `\nProduced by \`${cmd}\`; the JSON of this run: \`${path.isAbsolute(jsonFile) ? path.relative(ROOT, jsonFile) : jsonFile}\`.\n\n${md.replaceAll(/^### /gm, "#### ")}\n`;
	fs.writeFileSync(file, text.slice(0, a + start.length) + body + text.slice(b));
	log(`--write-docs: ${file} updated`);
}
