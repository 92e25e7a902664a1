// Three replicas of one generated rest+sql+postgres+jwt project (installed, built, started with `npm start`,
// NODE_ENV=production) on one fresh database of the local PostgreSQL server, sharing the local Redis (REDIS_URL,
// a logical database the run claims and empties after):
// - started together on the empty database while the test holds the migration lock, so that all three queue on
//   it and race when it is let go: all ready, each migration applied once, none crashed;
// - a refresh token rotated on B and reused on C is refused and revokes the family, as on one replica;
// - one replica stopped with SIGTERM under a round-robin write load: no acknowledged write lost, no error; the
//   client sends a request on to another replica only when it never reached a handler (connection refused or
//   closed, or the stopping replica's 503 with Connection: close);
// - RATE_LIMIT_MAX counted once for the three (Redis), not once per replica.
// Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379. RELIABILITY_PROJECT reuses an
// already generated, installed and built project; RELIABILITY_KEEP=1 keeps it and the logs.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	cliPath,
	countTables,
	createDatabase,
	dropDatabase,
	freePort,
	freshEnv,
	postgresUrl,
	type RunningServer,
	runLogged,
	startCommand,
	startProcess,
	stopServer,
	tail,
	waitForHealth,
} from "../e2e/harness.js";
import { holdAdvisoryLock } from "./support/advisory-lock.js";
import { type Answer, call, isConnectionLost } from "./support/http.js";
import { claimRedisDb, redisAnswers, redisKeys, releaseRedisDb } from "./support/redis-db.js";

const KEEP = process.env.RELIABILITY_KEEP === "1";
const GIVEN = process.env.RELIABILITY_PROJECT ? path.resolve(process.env.RELIABILITY_PROJECT) : undefined;
const root = mkdtempSync(path.join(os.tmpdir(), "cbs-reliability-replicas-"));
const project = GIVEN ?? path.join(root, "rel-api");
const logs = path.join(root, "logs");
const runId = randomBytes(6).toString("hex");
// The run's own loopback addresses (127.X.Y.n): limits keyed by client address, in Redis too, are this run's alone.
const [x = 0, y = 0] = randomBytes(2);
const subnet = `127.${1 + (x % 250)}.${1 + (y % 250)}`;
const ADDRESS = { accounts: `${subnet}.1`, limited: `${subnet}.2`, load: `${subnet}.3` };
const PASSWORD = "correct horse battery staple";
const REPLICAS = 3;

let database = "";
let redisDb = -1;
let fleetRuns = 0;

interface Replica {
	name: string;
	port: number;
	server: RunningServer;
}
let fleet: Replica[] = [];

const psql = (sql: string) => {
	const run = spawnSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tA", "-c", sql], {
		encoding: "utf8",
	});
	if (run.status !== 0) throw new Error(`psql: ${run.stderr}`);
	return run.stdout.trim();
};

function env(port: number, extra: Record<string, string>) {
	return freshEnv({
		NODE_ENV: "production",
		PORT: String(port),
		HOST: "127.0.0.1",
		LOG_LEVEL: "info",
		DATABASE_URL: postgresUrl(database),
		REDIS_URL: `redis://127.0.0.1:6379/${redisDb}`,
		RATE_LIMIT_MAX: "10000000", // the load test measures replicas, not the rate limit (its own test does)
		NOTES_MAX_PER_OWNER: "100000000",
		...extra,
	});
}

/** Distinct free ports, one per replica. */
async function freePorts(count: number): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < count) ports.add(await freePort());
	return [...ports];
}

/** Spawns the replicas in one go, each without waiting for another; see awaitFleet. */
async function spawnFleet(extra: Record<string, string> = {}): Promise<Replica[]> {
	fleetRuns += 1;
	const ports = await freePorts(REPLICAS);
	const [command, args] = await startCommand(project);
	mkdirSync(logs, { recursive: true });
	const names = ["A", "B", "C"];
	const servers = await Promise.all(
		ports.map((port, i) =>
			startProcess(command, args, {
				cwd: project,
				env: env(port, extra),
				log: path.join(logs, `fleet-${fleetRuns}-${names[i]}.log`),
				url: `http://127.0.0.1:${port}`,
				note: `PORT=${port}`,
			}),
		),
	);
	fleet = servers.map((server, i) => ({ name: names[i] as string, port: ports[i] as number, server }));
	return fleet;
}

/** Waits until each replica answers /health with 200; throws with the log of the first that does not. */
async function awaitFleet() {
	for (const replica of fleet) {
		try {
			await waitForHealth(replica.server, 90_000);
		} catch (error) {
			throw new Error(`replica ${replica.name}: ${(error as Error).message}\n${await tail(replica.server.log)}`);
		}
	}
}

async function startFleet(extra: Record<string, string> = {}) {
	await spawnFleet(extra);
	await awaitFleet();
}

async function stopFleet() {
	await Promise.all(fleet.map((replica) => stopServer(replica.server)));
	fleet = [];
}

/** The advisory-lock key of the project's migration runner (src/db/migrate.ts, LOCK_ID). */
function migrationLockKey(): number {
	const source = readFileSync(path.join(project, "src/db/migrate.ts"), "utf8");
	const key = /LOCK_ID = ([\d_]+)/.exec(source)?.[1];
	if (!key) throw new Error("src/db/migrate.ts of the generated project names no LOCK_ID: update this test");
	return Number(key.replaceAll("_", ""));
}

const alive = (replica: Replica) => replica.server.child.exitCode === null && replica.server.child.signalCode === null;

/** The JSON lines a replica logged with this message. */
function logged(replica: Replica, message: string): Record<string, unknown>[] {
	return readFileSync(replica.server.log, "utf8")
		.split("\n")
		.filter((line) => line.startsWith("{") && line.includes(message))
		.map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function register(port: number, email: string) {
	const answer = await call(port, "POST", "/auth/register", {
		body: { email, password: PASSWORD },
		localAddress: ADDRESS.accounts,
	});
	expect(answer.status, answer.body).toBe(201);
	return JSON.parse(answer.body) as { accessToken: string; refreshToken: string };
}

const refresh = (replica: Replica, refreshToken: string) =>
	call(replica.port, "POST", "/auth/refresh", { body: { refreshToken }, localAddress: ADDRESS.accounts });

beforeAll(async () => {
	if (!redisAnswers()) {
		throw new Error(
			"Redis does not answer on 127.0.0.1:6379: start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379)",
		);
	}
	redisDb = claimRedisDb(runId);
	if (!GIVEN) await prepareProject();
	database = await createDatabase(path.join(logs, "createdb.log"));
}, 10 * 60_000);

async function prepareProject() {
	const cli = await runLogged(
		process.execPath,
		[
			cliPath,
			project,
			...["--api", "rest", "--db", "sql", "--dialect", "postgres", "--auth", "jwt", "--oauth", "none"],
		].concat(["--yes", "--no-install", "--no-git"]),
		{ cwd: root, env: freshEnv(), log: path.join(logs, "generate.log"), timeoutMs: 120_000 },
	);
	expect(cli.code, cli.output).toBe(0);
	for (const [name, args, timeoutMs] of [
		["install", ["install", "--no-audit", "--no-fund", "--prefer-offline"], 300_000],
		["build", ["run", "build"], 180_000],
	] as const) {
		const run = await runLogged("npm", [...args], {
			cwd: project,
			env: freshEnv(),
			log: path.join(logs, `${name}.log`),
			timeoutMs,
		});
		expect(run.code, await tail(run.log)).toBe(0);
	}
}

afterAll(async () => {
	await stopFleet();
	if (database) await dropDatabase(database, path.join(logs, "dropdb.log"));
	if (redisDb >= 0) {
		const left = releaseRedisDb(redisDb, runId);
		console.log(`replicas: Redis database ${redisDb} emptied after the run (${left} keys)`);
	}
	if (KEEP) console.log(`replicas: kept ${root}`);
	else rmSync(root, { recursive: true, force: true });
});

describe("three replicas started together on an empty database", () => {
	it("all become ready, each migration is applied and recorded once, none crashes", async () => {
		expect(await countTables(database, path.join(logs, "tables-before.log"))).toBe(0);
		// The test holds the lock the migration runner takes, so that the three replicas all reach it and wait
		// there; released at once, they race for it and for the empty schema.
		const lock = await holdAdvisoryLock(database, migrationLockKey());
		let waiting = 0;
		try {
			await spawnFleet();
			const since = Date.now();
			for (;;) {
				waiting = lock.waiting();
				if (waiting >= REPLICAS || Date.now() - since > 90_000 || !fleet.every(alive)) break;
				await new Promise((done) => setTimeout(done, 100));
			}
		} finally {
			await lock.release();
		}
		await awaitFleet();
		const ready = await Promise.all(fleet.map((replica) => call(replica.port, "GET", "/ready")));
		const files = readdirSync(path.join(project, "migrations"))
			.filter((name) => name.endsWith(".sql"))
			.sort();
		const recorded = psql("SELECT name FROM schema_migrations ORDER BY name").split("\n");
		// Who applied what, from each replica's log line "applied database migrations" (none when it found all done).
		const appliedBy = fleet.map((replica) => ({
			name: replica.name,
			migrations: logged(replica, "applied database migrations").flatMap((line) => line.migrations as string[]),
		}));
		const applied = appliedBy.flatMap((replica) => replica.migrations).sort();
		console.log(
			`replicas migrations: ${fleet.length} replicas started together, ${waiting} of them queued on the ` +
				`migration lock when it was let go; /ready ${ready.map((a) => a.status).join(", ")}; ` +
				`applied ${appliedBy.map((r) => `${r.name}: ${r.migrations.length ? r.migrations.join(" ") : "none"}`).join("; ")}; ` +
				`schema_migrations holds ${recorded.length} rows for ${files.length} files`,
		);
		expect(waiting).toBe(REPLICAS);
		expect(ready.map((answer) => answer.status)).toEqual([200, 200, 200]);
		expect(recorded).toEqual(files);
		expect(applied).toEqual(files); // each file applied by exactly one replica, once
		expect(fleet.every(alive)).toBe(true);
		for (const replica of fleet) expect(await tail(replica.server.log, 200)).not.toMatch(/start-up failed|"level":50/);
	});
});

describe("refresh-token rotation across replicas", () => {
	it("rotated on B, the old token reused on C is refused and revokes the family (B's new token too)", async () => {
		const [a, b, c] = fleet as [Replica, Replica, Replica];
		const email = `rotate-${runId}@example.com`;
		await register(a.port, email);
		const login = await call(a.port, "POST", "/auth/login", {
			body: { email, password: PASSWORD },
			localAddress: ADDRESS.accounts,
		});
		expect(login.status, login.body).toBe(200);
		const r1 = (JSON.parse(login.body) as { refreshToken: string }).refreshToken;
		const rotated = await refresh(b, r1);
		expect(rotated.status, rotated.body).toBe(200);
		const r2 = (JSON.parse(rotated.body) as { refreshToken: string }).refreshToken;
		expect(r2).not.toBe(r1);
		const reuse = await refresh(c, r1);
		const afterReuse = await Promise.all(fleet.map((replica) => refresh(replica, r2)));
		console.log(
			`replicas refresh: login on A 200, refresh on B ${rotated.status}, old token again on C ${reuse.status}, ` +
				`B's new token afterwards on A/B/C ${afterReuse.map((x) => x.status).join("/")}`,
		);
		expectProblem(reuse, 401);
		for (const answer of afterReuse) expectProblem(answer, 401);
	});

	it("one refresh token sent to the three replicas at once: at most one succeeds", async () => {
		const { refreshToken } = await register(fleet[0]?.port ?? 0, `race-${runId}@example.com`);
		const answers = await Promise.all(fleet.map((replica) => refresh(replica, refreshToken)));
		console.log(`replicas refresh race: ${answers.map((x) => x.status).join(", ")}`);
		expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(1);
		for (const answer of answers.filter((x) => x.status !== 200)) expectProblem(answer, 401);
	});
});

function expectProblem(answer: Answer, status: number) {
	expect(answer.status, answer.body).toBe(status);
	expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
}

describe("one replica stopped (SIGTERM) under a round-robin load", () => {
	it("loses no acknowledged write and shows the client no error", async () => {
		const { accessToken: token } = await register(fleet[0]?.port ?? 0, `load-${runId}@example.com`);
		const tag = `replicas-${runId}`;
		const agents = fleet.map(() => new Agent({ keepAlive: true, maxSockets: 16 }));
		const figures = { writes: 0, requests: 0, retries: 0, acknowledged: 0, rateLimited: 0, drainedAfterSignal: 0 };
		/** Why a request was sent on to another replica: ECONNREFUSED never reached one; a reset may have. */
		const retryCauses = new Map<string, number>();
		let signalled = false;
		const turnedAway: string[] = [];
		const acknowledgedIds: string[] = [];
		const errors: string[] = [];
		let next = 0;
		let stop = false;

		/** One note: sent to the next replica in turn; sent on to the one after only if the connection was lost. */
		const write = async (sequence: number) => {
			figures.writes += 1;
			let target = next++ % fleet.length;
			for (let attempt = 0; attempt < fleet.length; attempt++, target = (target + 1) % fleet.length) {
				if (attempt > 0) figures.retries += 1;
				figures.requests += 1;
				const replica = fleet[target] as Replica;
				let answer: Answer;
				try {
					answer = await call(replica.port, "POST", "/notes", {
						body: { title: tag, body: String(sequence) },
						token,
						agent: agents[target],
						localAddress: ADDRESS.load,
					});
				} catch (error) {
					if (isConnectionLost(error)) {
						const cause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
						retryCauses.set(cause, (retryCauses.get(cause) ?? 0) + 1);
						continue;
					}
					errors.push(`${replica.name}: ${(error as Error).message}`);
					return;
				}
				// A stopping server (Fastify's return503OnClosing, SEC-74/89) turns away a request that arrives on an
				// open connection in the moment between the signal and closing its listener: 503 with Connection:
				// close, before any handler ran. Like a refused connection it is sent on, and counted; the checks
				// below hold it to the replica that was stopped, and the duplicate count would show a write it did.
				if (answer.status === 503 && answer.headers.connection === "close") {
					turnedAway.push(`${replica.name}${signalled ? " after" : " before"} the signal`);
					retryCauses.set("503 closing", (retryCauses.get("503 closing") ?? 0) + 1);
					continue;
				}
				if (answer.status === 201) {
					figures.acknowledged += 1;
					if (signalled && replica === fleet[1]) figures.drainedAfterSignal += 1;
					acknowledgedIds.push((JSON.parse(answer.body) as { id: string }).id);
				} else if (answer.status === 429) figures.rateLimited += 1;
				else errors.push(`${replica.name}: ${answer.status} ${answer.body.slice(0, 120)}`);
				return;
			}
			errors.push(`note ${sequence}: no replica took it (connection lost or turned away by all ${fleet.length})`);
		};
		let sequence = 0;
		const client = async () => {
			while (!stop) await write(sequence++);
		};
		const clients = Array.from({ length: 24 }, client);

		await new Promise((done) => setTimeout(done, 3000));
		const stopped = fleet[1] as Replica;
		const before = figures.acknowledged;
		signalled = true;
		const exit = await stopServer(stopped.server, 20_000);
		await new Promise((done) => setTimeout(done, 2000)); // the two others carry the load on their own
		stop = true;
		await Promise.all(clients);
		for (const agent of agents) agent.destroy();

		const rows = psql(`SELECT id || ' ' || body FROM notes WHERE title = '${tag}'`)
			.split("\n")
			.filter(Boolean)
			.map((line) => line.split(" ") as [string, string]);
		const found = new Set(rows.map(([id]) => id));
		const lost = acknowledgedIds.filter((id) => !found.has(id));
		const bodies = rows.map(([, body]) => body);
		const duplicates = bodies.length - new Set(bodies).size;
		const unacknowledgedRows = rows.length - acknowledgedIds.length;
		console.log(
			`replicas SIGTERM under load: ${figures.requests} requests for ${figures.writes} notes over ${fleet.length} replicas ` +
				`(replica ${stopped.name} stopped after ${before} acknowledged: exit ${exit.code ?? exit.signal} in ${exit.ms} ms, ` +
				`${figures.drainedAfterSignal} of its writes acknowledged after the signal); ` +
				`${figures.retries} retries on another replica (${[...retryCauses].map(([c, n]) => `${c} ${n}`).join(", ") || "none"}); ${figures.rateLimited} answers 429; ` +
				`${figures.acknowledged} writes acknowledged (201), ${rows.length} rows found, ${lost.length} acknowledged ` +
				`writes lost, ${unacknowledgedRows} rows never acknowledged, ${duplicates} duplicate notes; ` +
				`${errors.length} errors${errors.length ? `: ${[...new Set(errors)].slice(0, 5).join(" | ")}` : ""}`,
		);
		expect(exit.killed).toBe(false);
		expect(exit.code).toBe(0);
		expect(before).toBeGreaterThan(0);
		expect(lost).toEqual([]);
		expect(turnedAway.filter((what) => what !== `${stopped.name} after the signal`)).toEqual([]);
		expect(errors).toEqual([]);
		expect(figures.acknowledged).toBeGreaterThan(before);
		// A retried note is sent again only when its connection was lost before an answer: a second row for it
		// would mean a replica wrote it and then dropped the answer.
		expect(duplicates).toBe(0);
		expect(fleet.filter((replica) => replica !== stopped).every(alive)).toBe(true);
	});
});

describe("RATE_LIMIT_MAX shared by the replicas through Redis", () => {
	const N = 5;
	const k = 4;
	it(`RATE_LIMIT_MAX=${N}: of ${N + k} requests round-robin over the three, exactly the first ${N} pass`, async () => {
		// Without REDIS_URL support each replica would count on its own and let 3 × N through.
		expect(readFileSync(path.join(project, ".env.example"), "utf8")).toMatch(/^#?\s*REDIS_URL=/m);
		await stopFleet();
		await startFleet({ RATE_LIMIT_MAX: String(N) });
		const { accessToken: token } = await register(fleet[0]?.port ?? 0, `limit-${runId}@example.com`);
		const statuses: number[] = [];
		for (let i = 0; i < N + k; i++) {
			const replica = fleet[i % fleet.length] as Replica;
			const answer = await call(replica.port, "GET", "/notes?limit=1", { token, localAddress: ADDRESS.limited });
			statuses.push(answer.status);
		}
		const keys = redisKeys(redisDb);
		console.log(
			`replicas rate limit: RATE_LIMIT_MAX=${N}, ${N + k} requests round-robin over A, B, C from one address: ` +
				`${statuses.join(", ")}; ${keys.length} keys in Redis database ${redisDb}`,
		);
		expect(statuses).toEqual([...Array(N).fill(200), ...Array(k).fill(429)]);
		expect(keys.length).toBeGreaterThan(0); // the counters live in Redis, not in each replica
	});
});
