// Small helpers shared by the bench sections: statistics, child processes, HTTP, ports, trees on disk.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const NODE = process.execPath;

// ---------- statistics ----------
export function median(xs) {
	const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (v.length === 0) return null;
	const m = v.length >> 1;
	return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** {median, min, max, n, values} of a list of numbers. */
export function summary(xs) {
	const v = xs.filter((x) => Number.isFinite(x));
	return {
		median: median(v),
		min: v.length ? Math.min(...v) : null,
		max: v.length ? Math.max(...v) : null,
		n: v.length,
		values: v.map((x) => round(x, 3)),
	};
}

export function ratio(a, b) {
	return a == null || b == null || b === 0 ? null : a / b;
}

/**
 * The ratios a[i] / b[i] of runs measured side by side in the same round, summarised: their median is the
 * comparison (each ratio's two runs shared the machine's state of that moment), min and max its spread.
 */
export function pairedRatios(as, bs) {
	return summary(as.map((a, i) => ratio(a, bs[i])));
}

export function round(x, digits = 2) {
	if (x == null || !Number.isFinite(x)) return x;
	const f = 10 ** digits;
	return Math.round(x * f) / f;
}

/** The order of the contestants in round i: rotated every round so none always goes first. */
export function rotate(list, i) {
	const k = i % list.length;
	return [...list.slice(k), ...list.slice(0, k)];
}

// ---------- environment ----------
/** process.env without the variables `npm run` adds for the bench's own package (they would leak into children). */
export function cleanEnv(extra = {}) {
	const env = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (/^npm_(package|lifecycle|config_(prefix|global|local_prefix|user_agent))/i.test(k) || k === "INIT_CWD")
			continue;
		env[k] = v;
	}
	for (const [k, v] of Object.entries(extra)) {
		if (v === undefined) delete env[k];
		else env[k] = v;
	}
	return env;
}

// ---------- child processes ----------
/** Runs a command to completion, timing it from spawn to exit (ms). Throws with its stderr when it fails. */
export function timedRun(cmd, args, { cwd, env, maxRssFile } = {}) {
	const e = maxRssFile ? { ...(env ?? process.env), BENCH_MAXRSS_FILE: maxRssFile } : env;
	const c0 = childrenCpuMs();
	const t0 = process.hrtime.bigint();
	const r = spawnSync(cmd, args, {
		cwd,
		env: e,
		stdio: ["ignore", "pipe", "pipe"],
		encoding: "utf8",
		maxBuffer: 64 << 20,
	});
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	const c1 = childrenCpuMs();
	// CPU time at the kernel's tick (10 ms): meaningful only summed over many runs (see meanCpu).
	const cpuMs = c0 != null && c1 != null ? c1 - c0 : null;
	if (r.error) throw r.error;
	if (r.status !== 0) {
		const err = new Error(
			`${path.basename(cmd)} ${args.join(" ")} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(-1500)}`,
		);
		err.result = r;
		throw err;
	}
	let maxRssKiB = null;
	if (maxRssFile) {
		try {
			maxRssKiB = Number(fs.readFileSync(maxRssFile, "utf8"));
			fs.rmSync(maxRssFile, { force: true });
		} catch {}
	}
	return { ms, cpuMs, stdout: r.stdout, stderr: r.stderr, maxRssKiB };
}

/** Runs a command, its output going to a log file; resolves with {ms}, rejects with the log's tail. */
export function runLogged(cmd, args, { cwd, env, log, timeoutMs = 15 * 60_000 }) {
	return new Promise((resolve, reject) => {
		const fd = fs.openSync(log, "a");
		fs.writeSync(fd, `\n$ ${cmd} ${args.join(" ")}  (cwd ${cwd})\n`);
		const t0 = process.hrtime.bigint();
		const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", fd, fd] });
		const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
		child.on("error", (e) => {
			clearTimeout(timer);
			fs.closeSync(fd);
			reject(e);
		});
		child.on("close", (code, signal) => {
			clearTimeout(timer);
			fs.closeSync(fd);
			const ms = Number(process.hrtime.bigint() - t0) / 1e6;
			if (code === 0) resolve({ ms });
			else {
				const tail = fs.readFileSync(log, "utf8").split("\n").slice(-25).join("\n");
				reject(new Error(`${cmd} ${args.join(" ")} exited ${code ?? signal} (log ${log}):\n${tail}`));
			}
		});
	});
}

export function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

// ---------- HTTP ----------
/** One HTTP request on a fresh connection; resolves {status, headers, text, json}. Never rejects on a status. */
export function request(url, { method = "GET", headers = {}, body, timeoutMs = 10_000 } = {}) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
		const h = { ...headers };
		if (data !== undefined) {
			h["content-type"] ??= "application/json";
			h["content-length"] = Buffer.byteLength(data);
		}
		const req = http.request(url, { method, headers: h, agent: false, timeout: timeoutMs }, (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => {
				const text = Buffer.concat(chunks).toString("utf8");
				let json;
				try {
					json = JSON.parse(text);
				} catch {}
				resolve({ status: res.statusCode, headers: res.headers, text, json });
			});
			res.on("error", reject);
		});
		req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${url}`)));
		req.on("error", reject);
		if (data !== undefined) req.write(data);
		req.end();
	});
}

/** Polls GET url until it answers 200 (every `everyMs`); resolves the ms since `since` (an hrtime bigint). */
export async function waitFor200(url, { since, timeoutMs = 60_000, everyMs = 2, child } = {}) {
	const start = since ?? process.hrtime.bigint();
	const deadline = Date.now() + timeoutMs;
	let last = "no answer";
	while (Date.now() < deadline) {
		if (child && child.exitCode !== null)
			throw new Error(`the server exited (${child.exitCode}) before ${url} answered 200`);
		try {
			const r = await request(url, { timeoutMs: 2000 });
			if (r.status === 200) return Number(process.hrtime.bigint() - start) / 1e6;
			last = `status ${r.status}`;
		} catch (e) {
			last = e.code ?? e.message;
		}
		await sleep(everyMs);
	}
	throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

// ---------- servers ----------
/**
 * Starts a long-running server process. Returns {child, port, since, stop(), peakRssKiB(), output()}.
 * Its stdout/stderr are kept (last 64 KiB) for error messages.
 */
export function startProcess(cmd, args, { cwd, env }) {
	const since = process.hrtime.bigint();
	const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
	let out = "";
	const keep = (c) => {
		out += c.toString("utf8");
		if (out.length > 65536) out = out.slice(-65536);
	};
	child.stdout.on("data", keep);
	child.stderr.on("data", keep);
	const exited = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
	return {
		child,
		since,
		output: () => out,
		exited,
		/** Peak resident set size so far (VmHWM from /proc), in KiB; null where /proc is missing. */
		peakRssKiB() {
			try {
				const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
				return m ? Number(m[1]) : null;
			} catch {
				return null;
			}
		},
		async stop(timeoutMs = 10_000) {
			if (child.exitCode !== null || child.signalCode !== null) return exited;
			child.kill("SIGTERM");
			const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
			const r = await exited;
			clearTimeout(t);
			return r;
		},
	};
}

// ---------- CPU time of another process ----------
let clkTck;
/** User + system CPU time of a process so far, in ms (from /proc/PID/stat); null where /proc is missing. */
export function cpuTimeMs(pid) {
	try {
		clkTck ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
		const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / clkTck;
	} catch {
		return null;
	}
}

/** CPU time (user + system, ms) of this process's waited-for children so far (cutime + cstime). */
export function childrenCpuMs() {
	return cpuFields("self", 13, 14);
}

function cpuFields(pid, a, b) {
	try {
		clkTck ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
		const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return ((Number(fields[a]) + Number(fields[b])) * 1000) / clkTck;
	} catch {
		return null;
	}
}

// ---------- files ----------
/** Files and bytes under dir (following no symlinks). */
export function countTree(dir, { skip = [] } = {}) {
	let files = 0;
	let bytes = 0;
	const walk = (d) => {
		for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
			if (skip.includes(ent.name)) continue;
			const p = path.join(d, ent.name);
			if (ent.isDirectory()) walk(p);
			else if (ent.isFile()) {
				files++;
				bytes += fs.statSync(p).size;
			}
		}
	};
	walk(dir);
	return { files, bytes };
}

/** Apparent size in bytes and disk usage of a folder, through `du` (it counts hard links once). */
export function duBytes(dir) {
	const apparent = spawnSync("du", ["-sb", dir], { encoding: "utf8" });
	const disk = spawnSync("du", ["-sk", dir], { encoding: "utf8" });
	return {
		apparentBytes: apparent.status === 0 ? Number(apparent.stdout.split(/\s/)[0]) : null,
		diskBytes: disk.status === 0 ? Number(disk.stdout.split(/\s/)[0]) * 1024 : null,
	};
}

export function machineInfo() {
	const cpus = os.cpus();
	return {
		cpuModel: cpus[0]?.model?.trim() ?? "unknown",
		cores: os.availableParallelism?.() ?? cpus.length,
		node: process.version,
		v8: process.versions.v8,
		platform: `${os.type()} ${os.release()} ${os.arch()}`,
		memoryGiB: round(os.totalmem() / 2 ** 30, 1),
		hostname: os.hostname(),
	};
}
