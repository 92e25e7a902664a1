// Section 2, generation: the smallest and the largest combination against create-vite vanilla-ts, in paired rounds.

import fs from "node:fs";
import path from "node:path";
import {
	ALL_COMBOS,
	cleanups,
	freshDir,
	fsType,
	genArgs,
	log,
	MAXRSS,
	meanCpu,
	note,
	results,
	settings,
	viteArgs,
	work,
} from "../lib/context.mjs";
import { spread } from "../lib/report.mjs";
import { cleanEnv, countTree, NODE, pairedRatios, rotate, round, summary, timedRun } from "../lib/util.mjs";

export function sectionGenerate() {
	log("generation: sizing every combination (one generation each)");
	const env = cleanEnv();
	const sizes = {};
	const written = []; // deleted at the end of the section (see below)
	const genWork = fs.mkdtempSync(path.join(settings.genDir, "cbs-bench-gen-"));
	cleanups.push(() => fs.rmSync(genWork, { recursive: true, force: true }));
	log(`generation: writing under ${genWork} (${fsType(genWork) ?? "filesystem unknown"})`);
	for (const c of ALL_COMBOS) {
		const d = freshDir("size", genWork);
		try {
			timedRun(NODE, genArgs(c), { cwd: d, env });
			sizes[c] = countTree(path.join(d, "app"));
		} catch (e) {
			sizes[c] = { error: e.message.split("\n")[0] };
			note(`generation of ${c} failed: ${e.message.split("\n")[0]}`);
		}
		written.push(d);
	}
	const ok = Object.entries(sizes).filter(([, s]) => !s.error);
	if (ok.length === 0) throw new Error("no combination generates");
	ok.sort((a, b) => a[1].bytes - b[1].bytes || a[1].files - b[1].files);
	const smallest = ok[0][0];
	const largest = ok[ok.length - 1][0];
	const dv = freshDir("size", genWork);
	timedRun(NODE, viteArgs(), { cwd: dv, env });
	const viteSize = countTree(path.join(dv, "app"));
	written.push(dv);

	const contestants = {
		"create-vite vanilla-ts": viteArgs(),
		[`create-backend-starter ${smallest} (smallest)`]: genArgs(smallest),
		[`create-backend-starter ${largest} (largest)`]: genArgs(largest),
	};
	const names = Object.keys(contestants);
	log(`generation: ${settings.generateRuns} rounds of ${names.join(" | ")}, create-vite and the largest back to back`);
	const times = Object.fromEntries(names.map((n) => [n, []]));
	const rss = Object.fromEntries(names.map((n) => [n, []]));
	// The generated folders are deleted after the last timed run, not between runs: on ext4, creating a file
	// near many files deleted in the last minutes is slower (the kernel scans the recently deleted entries), so
	// deleting between runs would charge each contestant in proportion to the files it creates for the
	// previous runs' deletions, which is the bench's doing, not the tool's.
	const one = (n, withRss) => {
		const d = freshDir("gen", genWork);
		written.push(d);
		const args = contestants[n];
		const r = withRss
			? timedRun(NODE, ["-r", MAXRSS, ...args], { cwd: d, env, maxRssFile: path.join(work, "maxrss") })
			: timedRun(NODE, args, { cwd: d, env });
		if (!fs.existsSync(path.join(d, "app", "package.json"))) throw new Error(`${n} wrote no app/package.json`);
		return r;
	};
	for (const n of names) one(n, false); // warm-up
	const cpu = Object.fromEntries(names.map((n) => [n, []]));
	// Each round runs create-vite and the largest (the target's pair) back to back, alternating which goes first,
	// with the smallest before or after them: [v l s], [l v s], [s v l], [s l v], …
	const order = (i) => {
		const pair = i % 2 ? [names[2], names[0]] : [names[0], names[2]];
		return (i >> 1) % 2 ? [names[1], ...pair] : [...pair, names[1]];
	};
	for (let i = 0; i < settings.generateRuns; i++) {
		for (const n of order(i)) {
			const r = one(n, false);
			times[n].push(r.ms);
			cpu[n].push(r.cpuMs);
		}
	}
	for (let i = 0; i < settings.memoryRuns; i++) for (const n of rotate(names, i)) rss[n].push(one(n, true).maxRssKiB);
	for (const d of written) fs.rmSync(d, { recursive: true, force: true });

	const out = {
		dir: settings.genDir,
		filesystem: fsType(genWork),
		sizes,
		viteSize: viteSize,
		smallest,
		largest,
		commands: {},
	};
	for (const n of names)
		out.commands[n] = { ms: summary(times[n]), cpuMsMean: meanCpu(cpu[n]), maxRssKiB: summary(rss[n]) };
	// The comparisons: the median of the rounds' ratios to create-vite's run of the same round.
	out.ratiosSmallest = pairedRatios(times[names[1]], times[names[0]]);
	out.ratiosLargest = pairedRatios(times[names[2]], times[names[0]]);
	out.ratioSmallest = round(out.ratiosSmallest.median, 3);
	out.ratioLargest = round(out.ratiosLargest.median, 3);
	results.sections.generate = out;
	results.targets.push({
		target: `generation of the largest combination (${largest}) within 2× create-vite's time for vanilla-ts (issue 14: readability first)`,
		value: `${out.ratioLargest}× (median of ${out.ratiosLargest.n} paired rounds, ${spread(out.ratiosLargest)})`,
		met: out.ratioLargest != null ? out.ratioLargest <= 2 : null,
	});
}
