// A Redis logical database (1-15 of the local server on 127.0.0.1:6379) that one test run has to itself, so that
// its rate-limit counters neither meet nor outlive another run's. Through redis-cli: no client library needed.
import { spawnSync } from "node:child_process";

const CLAIM_KEY = "cbs-reliability:claimed-by";

function redisCli(db: number, ...args: string[]): string {
	const run = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", "6379", "-n", String(db), ...args], {
		encoding: "utf8",
		timeout: 10_000,
	});
	if (run.error || run.status !== 0)
		throw new Error(`redis-cli ${args.join(" ")}: ${run.error?.message ?? run.stderr}`);
	return run.stdout.trim();
}

export function redisAnswers(): boolean {
	try {
		return redisCli(0, "PING") === "PONG";
	} catch {
		return false;
	}
}

/**
 * Claims the first empty database: marks it (SET NX) and keeps it only if the mark is its one key, so two runs
 * starting together cannot both take it. Returns its number.
 */
export function claimRedisDb(runId: string): number {
	for (let db = 1; db <= 15; db++) {
		if (redisCli(db, "SET", CLAIM_KEY, runId, "NX") !== "OK") continue;
		if (redisCli(db, "DBSIZE") === "1") return db;
		redisCli(db, "DEL", CLAIM_KEY); // another run's keys are here: leave it to them
	}
	throw new Error("no empty Redis database among 1-15 on 127.0.0.1:6379; FLUSHDB one that no run is using");
}

/** Empties the database, if this run still holds it; returns how many keys the run left there. */
export function releaseRedisDb(db: number, runId: string): number {
	if (redisCli(db, "GET", CLAIM_KEY) !== runId) return 0;
	const keys = Number(redisCli(db, "DBSIZE")) - 1;
	redisCli(db, "FLUSHDB");
	return keys;
}

/** The keys in the database, less the claim mark (to show what the replicas kept there). */
export function redisKeys(db: number): string[] {
	return redisCli(db, "--scan")
		.split("\n")
		.filter((key) => key !== "" && key !== CLAIM_KEY);
}
