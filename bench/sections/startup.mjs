// Section 1, start-up: `create-backend-starter --version` against `node -e 0`, in paired rounds.

import path from "node:path";
import { CLI, log, MAXRSS, meanCpu, results, settings, work } from "../lib/context.mjs";
import { spread } from "../lib/report.mjs";
import { cleanEnv, NODE, pairedRatios, ratio, rotate, round, summary, timedRun } from "../lib/util.mjs";

export function sectionStartup() {
	log(`start-up: ${settings.startupRuns} runs each, alternating 'node -e 0' and '--version'`);
	const env = cleanEnv();
	const cmds = {
		"node -e 0": [NODE, ["-e", "0"]],
		"create-backend-starter --version": [NODE, [CLI, "--version"]],
	};
	const version = timedRun(NODE, [CLI, "--version"], { env }).stdout.trim();
	const times = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
	const names = Object.keys(cmds);
	for (let i = 0; i < 3; i++) for (const n of names) timedRun(...cmds[n], { env }); // warm-up: page cache
	const cpu = Object.fromEntries(names.map((n) => [n, []]));
	for (let i = 0; i < settings.startupRuns; i++) {
		for (const n of rotate(names, i)) {
			const r = timedRun(...cmds[n], { env });
			times[n].push(r.ms);
			cpu[n].push(r.cpuMs);
		}
	}
	const rss = Object.fromEntries(names.map((n) => [n, []]));
	for (let i = 0; i < settings.memoryRuns; i++) {
		for (const n of rotate(names, i)) {
			const [cmd, args] = cmds[n];
			rss[n].push(timedRun(cmd, ["-r", MAXRSS, ...args], { env, maxRssFile: path.join(work, "maxrss") }).maxRssKiB);
		}
	}
	const out = { versionPrinted: version, commands: {} };
	for (const n of names)
		out.commands[n] = { ms: summary(times[n]), cpuMsMean: meanCpu(cpu[n]), maxRssKiB: summary(rss[n]) };
	out.cpuRatio = round(ratio(out.commands[names[1]].cpuMsMean, out.commands[names[0]].cpuMsMean), 3);
	// Round i ran the two back to back: the comparison is the median of the rounds' ratios.
	out.ratios = pairedRatios(times[names[1]], times[names[0]]);
	out.ratio = round(out.ratios.median, 3);
	out.ratioOfMedians = round(ratio(out.commands[names[1]].ms.median, out.commands[names[0]].ms.median), 3);
	results.sections.startup = out;
	results.targets.push({
		target: "start-up: `--version` within 1.5× `node -e 0`",
		value: `${out.ratio}× (median of ${out.ratios.n} paired rounds, ${spread(out.ratios)})`,
		met: out.ratio != null ? out.ratio <= 1.5 : null,
	});
}
