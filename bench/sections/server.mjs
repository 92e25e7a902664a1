// Section 3, the generated server under load: GET /health, the notes list and a write, against bare Fastify.

import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { callgrindAvailable, instructionsPerRequest } from "../lib/callgrind.mjs";
import { BARE, BENCH, brief, log, note, opt, results, settings, TICK_PROBE } from "../lib/context.mjs";
import { compareWithHandwritten } from "../lib/handwritten.mjs";
import {
	appEnv,
	createDatabase,
	migrate,
	postgresAvailable,
	project,
	startApp,
	startBare,
	startCommand,
} from "../lib/projects.mjs";
import { spread, spreadWithMedian } from "../lib/report.mjs";
import {
	cleanEnv,
	cpuTimeMs,
	median,
	NODE,
	pairedRatios,
	ratio,
	request,
	rotate,
	round,
	sleep,
	waitFor200,
} from "../lib/util.mjs";

export let autocannon;
/**
 * Whether `perf stat` can count this machine's instructions (Linux with perf installed and allowed). Instructions
 * per request move much less than CPU time on a shared host, so the table shows them where they can be had.
 */
export let perfWorks;
export function canCountInstructions() {
	perfWorks ??= (() => {
		const r = spawnSync("perf", ["stat", "-x", ",", "-e", "instructions", "--", "true"], { encoding: "utf8" });
		return r.status === 0 && /^\d+,/m.test(r.stderr ?? "");
	})();
	return perfWorks;
}

/** Starts `perf stat` on a process; `stop()` resolves to the instructions it executed meanwhile (or null). */
export async function countInstructions(pid) {
	if (!pid || !canCountInstructions()) return { stop: async () => null };
	const { spawn } = await import("node:child_process");
	const perf = spawn("perf", ["stat", "-x", ",", "-e", "instructions", "-p", String(pid)], {
		stdio: ["ignore", "ignore", "pipe"],
	});
	let out = "";
	perf.stderr.on("data", (d) => (out += d));
	await new Promise((resolve) => setTimeout(resolve, 100)); // perf attaches
	return {
		stop: () =>
			new Promise((resolve) => {
				perf.on("close", () => resolve(Number(/^(\d+),[^,]*,instructions/m.exec(out)?.[1]) || null));
				perf.kill("SIGINT");
			}),
	};
}

/**
 * One autocannon run. With `pid`, also the server's CPU time and (where `perf` works) instructions per request,
 * both robust to a busy machine. With `amount`, exactly that many requests instead of `seconds` of them.
 */
export async function load(target, seconds, pid, { amount } = {}) {
	autocannon ??= (await import("autocannon")).default;
	const instructions = await countInstructions(pid);
	const cpu0 = pid ? cpuTimeMs(pid) : null;
	const r = await autocannon({
		url: target.url,
		method: target.method ?? "GET",
		headers: target.headers,
		body: target.body,
		connections: settings.connections,
		pipelining: 1,
		...(amount ? { amount } : { duration: seconds }),
		timeout: 10,
	});
	const cpu1 = pid ? cpuTimeMs(pid) : null;
	const executed = await instructions.stop();
	return {
		cpuUsPerReq:
			cpu0 != null && cpu1 != null && r.requests.total > 0 ? ((cpu1 - cpu0) * 1000) / r.requests.total : null,
		kInstrPerReq: executed != null && r.requests.total > 0 ? executed / r.requests.total / 1000 : null,
		rps: r.requests.average,
		p50: r.latency.p50,
		p99: r.latency.p99,
		total: r.requests.total,
		non2xx: r.non2xx,
		errors: r.errors,
		timeouts: r.timeouts,
		statusCodes: r.statusCodeStats,
	};
}

/**
 * GET /health's instructions per request under callgrind, the app's and then bare Fastify's, one after the other.
 * Returns { appKInstr, bareKInstr, ratio } (ratio = bare / app: the share of bare Fastify's speed, as for throughput),
 * or { error } after a note.
 */
export async function countHealthInstructions(proj, dbUrl, label) {
	const counts = { warmup: settings.callgrindWarmup, count: settings.callgrindCount };
	try {
		log(
			`${label}: GET /health under callgrind (${counts.warmup} requests to warm up, ${counts.count} counted), then bare Fastify`,
		);
		const [cmd, args] = startCommand(proj);
		const app = await instructionsPerRequest({
			cmd,
			args,
			cwd: proj.dir,
			env: appEnv(proj, { port: 0, dbUrl }),
			...counts,
		});
		const bareRun = await instructionsPerRequest({
			cmd: NODE,
			args: [BARE],
			cwd: BENCH,
			env: cleanEnv({ HOST: "127.0.0.1", NODE_ENV: "production" }),
			...counts,
		});
		const result = {
			appKInstr: round(app.kInstrPerReq, 1),
			bareKInstr: round(bareRun.kInstrPerReq, 1),
			ratio: round(bareRun.kInstrPerReq / app.kInstrPerReq, 3),
			...counts,
		};
		log(
			`${label}: GET /health ${result.appKInstr} k instructions per request, bare Fastify ${result.bareKInstr} k: ${result.ratio}×`,
		);
		return result;
	} catch (e) {
		note(`${label}: instructions under callgrind not counted: ${brief(e)}`);
		return { error: brief(e), ...counts };
	}
}

/**
 * The state of process.nextTick's object-literal inline caches in a fresh server after 2 s of GET /health:
 * 'monomorphic' (the fast path), 'megamorphic' (every tick built in V8's runtime), another V8 state, or 'unknown'.
 */
export async function probeNextTickIc(proj, dbUrl) {
	const probe = await startApp(proj, { dbUrl, nodeFlags: ["--allow-natives-syntax", "--import", TICK_PROBE] });
	try {
		await load({ url: `${probe.base}/health` }, 2);
		process.kill(probe.proc.child.pid, "SIGUSR2");
		await sleep(500);
		const states = new Set(
			[...probe.proc.output().matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1].toLowerCase()),
		);
		if (states.size === 0) return "unknown";
		return states.has("megamorphic") ? "megamorphic" : [...states].join("/");
	} finally {
		await probe.proc.stop();
	}
}

/** The scenarios of the HTTP contract for one combination, after seeding a user and `n` notes. */
export async function seedAndScenarios(proj, base, { login: creds, seed: doSeed = true } = {}) {
	const [api, , auth] = proj.combo.split("/");
	const gql = api === "graphql";
	const email = creds?.email ?? `bench-${crypto.randomBytes(6).toString("hex")}@example.com`;
	const password = creds?.password ?? crypto.randomBytes(12).toString("base64url");
	const headers = {};
	let throttled = 0;
	const call = async (method, p, body, h = headers) => {
		for (let attempt = 0; ; attempt++) {
			const r = await request(`${base}${p}`, { method, body, headers: h });
			if (r.status !== 429 || attempt > 20) return r;
			throttled++;
			await sleep(Math.min(5000, 1000 * Number(r.headers["retry-after"] ?? 1)));
		}
	};
	const gqlCall = async (query, h = headers) => {
		const r = await call("POST", "/graphql", { query }, h);
		if (r.status !== 200 || r.json?.errors)
			throw new Error(`${proj.combo}: ${query.slice(0, 60)}… → ${r.status} ${r.text.slice(0, 300)}`);
		return r.json.data;
	};
	const t = Date.now();
	if (auth === "jwt" && (doSeed || creds)) {
		let token;
		const verb = creds ? "login" : "register";
		if (gql) {
			const d = await gqlCall(
				`mutation { ${verb}(email: ${JSON.stringify(email)}, password: ${JSON.stringify(password)}) { accessToken } }`,
				{},
			);
			token = d[verb].accessToken;
		} else {
			const r = await call("POST", `/auth/${verb}`, { email, password }, {});
			if (r.status !== (creds ? 200 : 201))
				throw new Error(`${proj.combo}: POST /auth/${verb} → ${r.status} ${r.text.slice(0, 300)}`);
			token = r.json.accessToken;
		}
		headers.authorization = `Bearer ${token}`;
	}
	const createOne = gql
		? (i) => gqlCall(`mutation { createNote(input: {title: "note ${i}", body: "seeded by the bench"}) { id } }`)
		: async (i) => {
				const r = await call("POST", "/notes", { title: `note ${i}`, body: "seeded by the bench" });
				if (r.status !== 201) throw new Error(`${proj.combo}: POST /notes → ${r.status} ${r.text.slice(0, 300)}`);
			};
	let next = 0;
	const count = doSeed && !creds ? settings.notes : 0;
	await Promise.all(
		Array.from({ length: 10 }, async () => {
			while (next < count) await createOne(next++);
		}),
	);
	const seed = { notes: count, ms: Date.now() - t, throttled429: throttled };

	const json = { ...headers, "content-type": "application/json" };
	const listQuery = "{ notes(limit: 20) { items { id title body createdAt updatedAt } nextCursor } }";
	const createMutation =
		'mutation { createNote(input: {title: "load", body: "written by autocannon"}) { id title body createdAt updatedAt } }';
	const scenarios = [
		{ name: "GET /health", url: `${base}/health` },
		gql
			? {
					name: "notes(limit: 20) via POST /graphql",
					url: `${base}/graphql`,
					method: "POST",
					headers: json,
					body: JSON.stringify({ query: listQuery }),
				}
			: { name: "GET /notes?limit=20", url: `${base}/notes?limit=20`, headers },
		gql
			? {
					name: "createNote via POST /graphql",
					url: `${base}/graphql`,
					method: "POST",
					headers: json,
					body: JSON.stringify({ query: createMutation }),
				}
			: {
					name: "POST /notes",
					url: `${base}/notes`,
					method: "POST",
					headers: json,
					body: JSON.stringify({ title: "load", body: "written by autocannon" }),
				},
	];
	// One request of each, checked, before any load: a figure of errors is worth nothing.
	for (const s of scenarios) {
		if (!doSeed && !creds && s.name !== "GET /health") continue;
		const r = await request(s.url, { method: s.method, headers: s.headers, body: s.body });
		const bad =
			r.status >= 300 ||
			r.json?.errors ||
			(s.name.includes("notes(") && r.json?.data?.notes?.items?.length !== 20) ||
			(s.name.startsWith("GET /notes") && r.json?.items?.length !== 20);
		if (bad) throw new Error(`${proj.combo}: sanity check of ${s.name} → ${r.status} ${r.text.slice(0, 300)}`);
		s.checkedStatus = r.status;
	}
	return { seed, scenarios, creds: { email, password } };
}

export async function sectionServer() {
	const pgProblem = settings.dbs.includes("postgres") ? postgresAvailable() : null;
	if (pgProblem) note(`PostgreSQL at 127.0.0.1:5432 is not usable (${pgProblem}): the postgres runs are skipped`);
	const dbs = settings.dbs.filter((d) => d !== "postgres" || !pgProblem);
	const bare = await startBare();
	const out = { bareColdMs: round(bare.coldMs, 1), runs: [] };
	// Instructions are counted on one database per combination: GET /health does not touch it. PostgreSQL where there
	// is one, as PGlite's start under valgrind is slow.
	let callgrindDb = null;
	if (opt.callgrind && callgrindAvailable()) callgrindDb = dbs.includes("postgres") ? "postgres" : dbs[0];
	else if (opt.callgrind) note("valgrind (callgrind) is not installed: no instruction counts");
	results.sections.server = out;
	for (const combo of settings.serverCombos) {
		if (combo.includes("/nosql/")) {
			note(`${combo}: skipped in the server section: no MongoDB server can run on this machine`);
			continue;
		}
		let proj;
		try {
			proj = await project(combo);
		} catch (e) {
			note(`${combo}: could not be prepared: ${brief(e)}`);
			continue;
		}
		for (const db of dbs) {
			const entry = { combo, db, knobs: proj.knobs, rateLimitPatched: proj.patched };
			if (proj.patched.length && db === dbs[0])
				note(
					`${combo}: no rate-limit knob in .env.example/README; the bench raised the limit in its generated copy: ${proj.patched.join("; ")}`,
				);
			out.runs.push(entry);
			let app;
			let database;
			try {
				let dbUrl;
				if (db === "postgres") {
					database = createDatabase(combo);
					dbUrl = database.url;
				} else fs.rmSync(path.join(proj.dir, ".data"), { recursive: true, force: true });
				const menv = appEnv(proj, { port: 0, dbUrl });
				await migrate(proj, menv);
				log(`${combo} on ${db}: start, seed ${settings.notes} notes`);
				app = await startApp(proj, { dbUrl });
				entry.firstStartMs = round(app.coldMs, 1);
				await waitFor200(`${app.base}/ready`, { timeoutMs: 30_000, everyMs: 50 }).catch((e) =>
					note(`${combo} on ${db}: /ready: ${e.message}`),
				);
				const { seed, scenarios } = await seedAndScenarios(proj, app.base);
				entry.seed = seed;
				if (seed.throttled429 > 0) note(`${combo} on ${db}: seeding hit ${seed.throttled429} × 429 (rate limit)`);
				entry.scenarios = {};
				// The server's own pid (npm start would put npm in between; startCommand runs node directly when it can).
				const appPid = app.proc.child.pid;
				const bareTarget = { url: `${bare.base}/health` };
				await load(bareTarget, settings.warmupSeconds);
				for (const s of scenarios) {
					await load(s, settings.warmupSeconds);
					const appRuns = [];
					const bareRuns = [];
					// Round i: the bare server and the app back to back, alternating which goes first.
					const rounds = s.name === "GET /health" ? settings.healthLoadRuns : settings.loadRuns;
					for (let i = 0; i < rounds; i++) {
						for (const who of rotate(["bare", "app"], i)) {
							if (who === "bare") bareRuns.push(await load(bareTarget, settings.loadSeconds, bare.proc.child.pid));
							else appRuns.push(await load(s, settings.loadSeconds, appPid));
						}
					}
					const rps = median(appRuns.map((r) => r.rps));
					const bareRps = median(bareRuns.map((r) => r.rps));
					const non2xx = appRuns.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);
					const ratios = pairedRatios(
						appRuns.map((r) => r.rps),
						bareRuns.map((r) => r.rps),
					);
					entry.scenarios[s.name] = {
						rps: round(rps, 0),
						p50Ms: median(appRuns.map((r) => r.p50)),
						p99Ms: median(appRuns.map((r) => r.p99)),
						bareRps: round(bareRps, 0),
						bareP99Ms: median(bareRuns.map((r) => r.p99)),
						cpuUsPerReq: round(median(appRuns.map((r) => r.cpuUsPerReq)), 1),
						bareCpuUsPerReq: round(median(bareRuns.map((r) => r.cpuUsPerReq)), 1),
						kInstrPerReq: round(median(appRuns.map((r) => r.kInstrPerReq)), 1),
						bareKInstrPerReq: round(median(bareRuns.map((r) => r.kInstrPerReq)), 1),
						// The comparison: the median of the rounds' ratios (app / bare of the same round); then their spread.
						ratioToBare: round(ratios.median, 3),
						ratioMin: round(ratios.min, 3),
						ratioMax: round(ratios.max, 3),
						pairedRatios: ratios.values,
						ratioOfMedians: round(ratio(rps, bareRps), 3),
						non2xxOrErrors: non2xx,
						statusCodes: appRuns.map((r) => r.statusCodes),
						runs: appRuns.map((r) => round(r.rps, 0)),
						bareRuns: bareRuns.map((r) => round(r.rps, 0)),
					};
					if (non2xx > 0)
						note(
							`${combo} on ${db}: ${s.name}: ${non2xx} responses were not 2xx or failed (see statusCodes): its figures are not clean`,
						);
					log(
						`${combo} on ${db}: ${s.name}: ${round(rps, 0)} req/s, p99 ${entry.scenarios[s.name].p99Ms} ms (bare /health ${round(bareRps, 0)} req/s); paired ratio ${spreadWithMedian(ratios)}`,
					);
				}
				// The list against a hand-written handler: on PostgreSQL (the production database), for REST (the
				// hand-written side answers GET /notes; a GraphQL list is another request).
				if (db === "postgres" && !combo.startsWith("graphql/")) {
					try {
						entry.handwritten = await compareWithHandwritten(proj, app, scenarios[1]);
						if (entry.handwritten.non2xxOrErrors > 0)
							note(`${combo} on ${db}: the list against the hand-written handler had non-2xx answers or errors`);
					} catch (e) {
						entry.handwritten = { error: brief(e) };
						note(`${combo} on ${db}: the list against the hand-written handler not measured: ${brief(e)}`);
					}
				}
				entry.peakRssKiB = app.proc.peakRssKiB();
				const h = entry.scenarios["GET /health"];
				// Reported, no goal: /health keeps its security headers and the request logger (a decision taken).
				const healthTarget = {
					target: `${combo} on ${db}: GET /health against bare Fastify's throughput (reported, no goal)`,
					value:
						`${h.ratioToBare}× (median of ${h.pairedRatios.length} paired rounds, ${spread({ min: h.ratioMin, max: h.ratioMax })}; ` +
						`median req/s ${h.rps} vs ${h.bareRps}; CPU per request ${h.cpuUsPerReq} vs ${h.bareCpuUsPerReq} µs` +
						(h.kInstrPerReq != null
							? `; instructions per request ${h.kInstrPerReq} k vs ${h.bareKInstrPerReq} k)`
							: ")"),
					met: null,
				};
				results.targets.push(healthTarget);
				// PGlite cannot be opened by two processes: the probe starts once the measured server has stopped.
				await app.proc.stop();
				app = null;
				entry.nextTickIc = await probeNextTickIc(proj, dbUrl);
				if (entry.nextTickIc === "megamorphic")
					note(
						`${combo} on ${db}: process.nextTick's literal inline caches went megamorphic (docs/benchmarks.md, "Status after the fourth session"): its GET /health figures pay for it`,
					);
				if (db === callgrindDb) {
					entry.callgrind = await countHealthInstructions(proj, dbUrl, `${combo} on ${db}`);
					const c = entry.callgrind;
					if (c.ratio)
						healthTarget.value += `; in instructions (callgrind) ${c.ratio}×: ${c.appKInstr} k vs ${c.bareKInstr} k per request`;
				}
			} catch (e) {
				entry.error = e.message;
				note(`${combo} on ${db}: ${brief(e)}`);
			} finally {
				if (app) await app.proc.stop();
				if (database) database.drop();
			}
		}
	}
	await bare.proc.stop();
}
