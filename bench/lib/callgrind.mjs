// Instructions per request, counted by valgrind's callgrind: a count, not a time, so it moves much less than throughput
// on a shared machine. Seen on this project's 2-core host: the same build gave 128.7, 129.0 and 129.0 k instructions per
// GET /health in three runs, where its throughput moved ±15–30% between 5-s autocannon runs; next to another CPU-heavy
// job it counted ~6% more, so the bench counts after its load runs, alone. Where `perf stat` can count instructions
// the server table has that figure too; on hosts where it cannot (virtual machines), this is the steadier one.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, sleep, waitFor200 } from "./util.mjs";

const LOAD = fileURLToPath(new URL("./sequential-load.mjs", import.meta.url));

let available;
/** Whether valgrind with its callgrind tool and callgrind_control are installed. */
export function callgrindAvailable() {
	available ??=
		spawnSync("valgrind", ["--version"], { encoding: "utf8" }).status === 0 &&
		spawnSync("callgrind_control", ["--version"], { encoding: "utf8" }).status === 0;
	return available;
}

/**
 * Starts `cmd args` under callgrind with PORT set, waits for `GET /health`, sends `warmup` requests (V8 optimises the
 * hot path meanwhile), has callgrind dump and zero its counters, sends `count` requests, dumps again and returns the
 * instructions of that second stretch per request, in thousands (every thread of the process: GC and compiler
 * threads are part of the cost). One connection, one request after another: several connections would let requests
 * share event-loop turns in proportions that depend on timing, which is what this figure avoids.
 */
export async function instructionsPerRequest({
	cmd,
	args,
	cwd,
	env,
	path: urlPath = "/health",
	warmup,
	count,
	timeoutMs = 300_000,
}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cbs-callgrind-"));
	const port = await freePort();
	const serverEnv = { ...env, PORT: String(port) };
	const outFile = path.join(dir, "callgrind.out");
	// callgrind_control reaches the process through pipes named after the prefix and the USER and HOST variables it
	// was started with (the generated app reads HOST too, as its listen address): same prefix, same environment.
	const vgdbPrefix = `--vgdb-prefix=${path.join(dir, "vgdb")}`;
	const child = spawn("valgrind", ["--tool=callgrind", vgdbPrefix, `--callgrind-out-file=${outFile}`, cmd, ...args], {
		cwd,
		env: serverEnv,
		stdio: ["ignore", "ignore", "pipe"],
	});
	let stderr = "";
	child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
	const dump = () => {
		const r = spawnSync("callgrind_control", [vgdbPrefix, "--dump", String(child.pid)], {
			encoding: "utf8",
			env: serverEnv,
			timeout: 60_000,
		});
		if (r.status !== 0 || !/OK/.test(r.stdout))
			throw new Error(`callgrind_control --dump: ${(r.stdout + r.stderr).trim().slice(-300)}`);
	};
	try {
		const url = `http://127.0.0.1:${port}${urlPath}`;
		await waitFor200(`http://127.0.0.1:${port}/health`, { child, timeoutMs, everyMs: 200 });
		await load(url, warmup);
		dump();
		const answered = await load(url, count);
		dump();
		const second = await waitForFile(`${outFile}.2`);
		const total = Number(/^(?:summary|totals): (\d+)/m.exec(second)?.[1]);
		if (!(total > 0) || answered === 0) throw new Error(`no count in ${outFile}.2 (answered ${answered})`);
		return { kInstrPerReq: total / answered / 1000, answered };
	} catch (e) {
		throw new Error(`${e.message}\n--- valgrind ---\n${stderr.slice(-1500)}`);
	} finally {
		child.kill("SIGKILL");
		await new Promise((resolve) =>
			child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("close", resolve),
		);
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/** A dump file is complete once callgrind_control has answered; allow the file system a moment anyway. */
async function waitForFile(file) {
	for (let i = 0; i < 50; i++) {
		try {
			const text = fs.readFileSync(file, "utf8");
			if (/^(?:summary|totals): /m.test(text)) return text;
		} catch {}
		await sleep(100);
	}
	throw new Error(`callgrind wrote no ${file}`);
}

/** Sends `amount` requests from a client process of its own (sequential-load.mjs); resolves to the count answered 2xx. */
function load(url, amount) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [LOAD, url, String(amount)], { stdio: ["ignore", "pipe", "pipe"] });
		let out = "";
		child.stdout.on("data", (d) => (out += d));
		child.stderr.on("data", (d) => (out += d));
		child.on("error", reject);
		child.on("close", (code) =>
			code === 0
				? resolve(Number(out.trim()))
				: reject(new Error(`sequential-load exited ${code}: ${out.slice(-500)}`)),
		);
	});
}
