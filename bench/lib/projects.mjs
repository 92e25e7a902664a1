// The generated projects the server, footprint and profile sections share (generated, installed and built once),
// starting them, and the local PostgreSQL server.

import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BARE, BENCH, brief, cleanups, genArgs, log, logFile, note, opt, work } from "./context.mjs";
import { cleanEnv, cpuTimeMs, freePort, NODE, runLogged, startProcess, timedRun, waitFor200 } from "./util.mjs";

// ---------------------------------------------------------------- generated projects (server, footprint, profile)
export const projects = new Map();

/** Generates, installs and builds one combination once per bench run. */
export async function project(combo) {
	if (projects.has(combo)) return projects.get(combo);
	const p = (async () => {
		const parent = path.join(work, "projects", combo.replaceAll("/", "-"));
		fs.mkdirSync(parent, { recursive: true });
		const dir = path.join(parent, "app");
		const env = cleanEnv();
		log(`${combo}: generate, npm install, build`);
		const gen = timedRun(NODE, genArgs(combo), { cwd: parent, env });
		const install = await runLogged("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, env, log: logFile });
		const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
		const knobs = rateLimitKnobs(dir);
		const patched = Object.keys(knobs).length || opt["keep-rate-limit"] ? [] : patchRateLimit(dir);
		let buildMs = null;
		let buildError = null;
		if (pkg.scripts?.build) {
			const tb = Date.now();
			try {
				buildMs = (await runLogged("npm", ["run", "build"], { cwd: dir, env, log: logFile })).ms;
			} catch (e) {
				// tsc emits JavaScript despite type errors: measure what it emitted, and say so.
				const main = (pkg.scripts.start ?? "").match(/node\s+(\S+\.js)/)?.[1];
				if (!main || !fs.existsSync(path.join(dir, main))) throw e;
				buildMs = Date.now() - tb;
				buildError = brief(e, 3);
				note(`${combo}: npm run build failed, but it emitted ${main}: measured anyway (${buildError})`);
			}
		}
		// The generated .env is for development; the bench passes every variable itself. Node's --env-file never
		// overrides a variable already set, but an unset DATABASE_URL (PGlite) could be filled from it: comment it out.
		const envFile = path.join(dir, ".env");
		if (fs.existsSync(envFile)) {
			const text = fs.readFileSync(envFile, "utf8");
			fs.writeFileSync(envFile, text.replace(/^(\s*DATABASE_URL\s*=)/m, "# (bench) $1"), { mode: 0o600 });
		}
		let envExample = "";
		try {
			envExample = fs.readFileSync(path.join(dir, ".env.example"), "utf8");
		} catch {}
		return {
			combo,
			dir,
			pkg,
			generateMs: gen.ms,
			installMs: install.ms,
			buildMs,
			buildError,
			knobs,
			patched,
			envExample,
		};
	})();
	projects.set(combo, p);
	return p;
}

/** Environment variables of the generated app that loosen its rate limits, read from .env.example / README. */
export function rateLimitKnobs(dir) {
	let text = "";
	for (const f of [".env.example", "README.md"]) {
		try {
			text += `${fs.readFileSync(path.join(dir, f), "utf8")}\n`;
		} catch {}
	}
	const knobs = {};
	for (const m of text.matchAll(/\b([A-Z0-9_]*RATE_?LIMIT[A-Z0-9_]*)\s*=\s*([^\s#`|]*)/g)) {
		const [, key, example] = m;
		if (/DISABLE/.test(key)) knobs[key] = "true";
		else if (/ENABLE/.test(key)) knobs[key] = "false";
		else if (/WINDOW|TIME|TTL|BAN/.test(key)) continue;
		else if (/^\d+$/.test(example) || /MAX|LIMIT$|POINTS|REQUESTS|PER_/.test(key)) knobs[key] = "1000000000";
	}
	return knobs;
}

/**
 * Without an environment knob, a load run would measure the rate limiter's 429s. The bench then raises the
 * limit's constant in its own generated copy (never in templates/) so the limiter still runs, with its cost,
 * but does not refuse: the change is listed in the results.
 */
export function patchRateLimit(dir) {
	const patched = [];
	const walk = (d) => {
		for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, ent.name);
			if (ent.isDirectory()) walk(p);
			else if (/\.(ts|js|mts)$/.test(ent.name)) {
				const text = fs.readFileSync(p, "utf8");
				const next = text.replace(/(\b[A-Z_]*RATE_LIMIT[A-Z_]*\s*(?::\s*number\s*)?=\s*)(\d[\d_]*)/g, (_m, a, n) => {
					patched.push(`${path.relative(dir, p)}: ${a.trim()} ${n} → 1_000_000_000`);
					return `${a}1_000_000_000`;
				});
				if (next !== text) fs.writeFileSync(p, next);
			}
		}
	};
	if (fs.existsSync(path.join(dir, "src"))) walk(path.join(dir, "src"));
	return patched;
}

export function startCommand(proj, nodeFlags = []) {
	const s = proj.pkg.scripts?.start;
	if (!s) throw new Error(`${proj.combo}: the generated package.json has no start script`);
	const parts = s.trim().split(/\s+/);
	if (parts[0] === "node" && !/[|&;<>$`"'\\]/.test(s)) return [NODE, [...nodeFlags, ...parts.slice(1)]];
	if (nodeFlags.length) throw new Error(`${proj.combo}: cannot add node flags to the start script '${s}'`);
	return ["npm", ["start", "--silent"]];
}

export function appEnv(proj, { port, dbUrl, extra = {} }) {
	return cleanEnv({
		NODE_ENV: "production",
		LOG_LEVEL: "warn",
		HOST: "127.0.0.1",
		PORT: String(port),
		JWT_SECRET: crypto.randomBytes(48).toString("base64url"),
		DATABASE_URL: dbUrl,
		MONGODB_URI: proj.combo.includes("/nosql/") ? "mongodb://127.0.0.1:27017/cbs_bench" : undefined,
		// Tokens outlive a full run (the default, 15 minutes, might not).
		...(proj.envExample.includes("JWT_ACCESS_TTL") ? { JWT_ACCESS_TTL: "2h" } : {}),
		...proj.knobs,
		...extra,
	});
}

/** `npm run db:migrate` where the project has it. A failure is noted, not fatal: the server may migrate at start. */
export const migrateFailed = new Set();
export async function migrate(proj, env) {
	if (!proj.pkg.scripts?.["db:migrate"]) return;
	try {
		await runLogged("npm", ["run", "db:migrate"], { cwd: proj.dir, env, log: logFile });
	} catch (e) {
		if (!migrateFailed.has(proj.combo))
			note(
				`${proj.combo}: npm run db:migrate failed (the bench goes on; the server migrates at start if it can): ${brief(e, 4)}`,
			);
		migrateFailed.add(proj.combo);
	}
}

/** Starts the generated server; resolves once /health answers 200, with the time that took. */
export async function startApp(proj, { dbUrl, nodeFlags = [], timeoutMs = 60_000, extraEnv } = {}) {
	const port = await freePort();
	const env = appEnv(proj, { port, dbUrl, extra: extraEnv });
	const [cmd, args] = startCommand(proj, nodeFlags);
	const proc = startProcess(cmd, args, { cwd: proj.dir, env });
	cleanups.push(() => proc.stop());
	const base = `http://127.0.0.1:${port}`;
	try {
		const coldMs = await waitFor200(`${base}/health`, { since: proc.since, child: proc.child, timeoutMs });
		return { proc, base, coldMs, coldCpuMs: cpuTimeMs(proc.child.pid), env };
	} catch (e) {
		await proc.stop();
		throw new Error(`${proj.combo}: ${e.message}\n--- server output ---\n${proc.output().slice(-3000)}`);
	}
}

export async function startBare() {
	const port = await freePort();
	const proc = startProcess(NODE, [BARE], {
		cwd: BENCH,
		env: cleanEnv({ PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production" }),
	});
	cleanups.push(() => proc.stop());
	const base = `http://127.0.0.1:${port}`;
	const coldMs = await waitFor200(`${base}/health`, { since: proc.since, child: proc.child });
	return { proc, base, coldMs };
}

// ---------------------------------------------------------------- PostgreSQL
export function psql(sql, db = "postgres") {
	return spawnSync(
		"psql",
		["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
		{
			encoding: "utf8",
			env: cleanEnv({ PGCONNECT_TIMEOUT: "3" }),
		},
	);
}
export function postgresAvailable() {
	const r = psql("select 1");
	if (r.error) return `psql not found (${r.error.code})`;
	return r.status === 0 ? null : (r.stderr || "psql failed").trim();
}
export function createDatabase(tag) {
	const name = `cbs_bench_${process.pid}_${tag.replace(/\W/g, "_")}_${Date.now() % 100000}`;
	const r = psql(`CREATE DATABASE ${name}`);
	if (r.status !== 0) throw new Error(`CREATE DATABASE ${name}: ${r.stderr}`);
	const drop = () => {
		const d = psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
		if (d.status !== 0) console.error(`DROP DATABASE ${name}: ${d.stderr}`);
	};
	cleanups.push(drop);
	return { name, url: `postgres://postgres@127.0.0.1:5432/${name}`, drop };
}
