// A PostgreSQL advisory lock held by a psql session of the test's own, so that a test can make several servers
// queue on the lock their migrations take and then let them go at one moment: a race that happens every run,
// not only when the processes happen to start within the same milliseconds.
import { spawn, spawnSync } from "node:child_process";

export interface HeldLock {
	/** Sessions of `database` waiting for an advisory lock (not granted) right now. */
	waiting(): number;
	release(): Promise<void>;
}

export async function holdAdvisoryLock(database: string, key: number): Promise<HeldLock> {
	const psql = ["-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tA", "-v", "ON_ERROR_STOP=1"];
	const session = spawn("psql", psql, { stdio: ["pipe", "pipe", "pipe"] });
	let output = "";
	session.stdout.on("data", (chunk) => {
		output += chunk;
	});
	session.stderr.on("data", (chunk) => {
		output += chunk;
	});
	const exited = new Promise<number | null>((done) => session.on("close", done));
	session.stdin.write(`SELECT 'locked' FROM (SELECT pg_advisory_lock(${key})) AS held;\n`);
	const started = Date.now();
	while (!output.includes("locked")) {
		if (session.exitCode !== null || Date.now() - started > 30_000) {
			session.kill();
			throw new Error(`could not take advisory lock ${key} in ${database}: ${output}`);
		}
		await new Promise((done) => setTimeout(done, 50));
	}
	return {
		waiting() {
			const run = spawnSync(
				"psql",
				[
					...psql,
					"-c",
					"SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database " +
						`WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = '${database}'`,
				],
				{ encoding: "utf8" },
			);
			return Number(run.stdout.trim());
		},
		async release() {
			session.stdin.end(`SELECT pg_advisory_unlock(${key});\n`);
			await exited;
		},
	};
}
