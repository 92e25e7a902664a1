// The end-to-end matrix (DESIGN.md §4): for every combination of the built-in pack's options — generate outside
// the repository with the built CLI, npm install, typecheck, lint, build, then the project's own tests, start the
// built server and drive the HTTP contract from a separate process (test/e2e/contract-client.mjs), and stop it
// with SIGTERM. SQL combinations do the last part twice: on embedded PGlite and on the local PostgreSQL server.
// NoSQL combinations cannot start: no MongoDB server can exist on this machine, and none is faked.
//
// Each step's output is kept in a log file under the temporary folder; a failed step prints its tail.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, it } from "vitest";
import {
	badInstallWarnings,
	type Combination,
	clientPath,
	cliPath,
	countTables,
	createDatabase,
	dropDatabase,
	freePort,
	freshEnv,
	listCombinations,
	postgresUrl,
	type RunningServer,
	redoclyPath,
	runLogged,
	startServer,
	stopServer,
	tail,
	waitForHealth,
} from "./harness.js";

const only = (process.env.E2E_ONLY ?? "")
	.split(",")
	.map((s) => s.trim())
	.filter(Boolean);
// E2E_PACK=<folder> runs the matrix on another pack (its options and layers) instead of the built-in one.
const pack = process.env.E2E_PACK ? resolve(process.env.E2E_PACK) : undefined;
const combinations = listCombinations(pack).filter((c) => only.length === 0 || only.some((o) => c.name.includes(o)));
const root = await mkdtemp(join(tmpdir(), "cbs-e2e-"));
const keep = Boolean(process.env.E2E_KEEP);
const minutes = 60_000;
const noMongo = "server run needs MongoDB (none on this machine)";
// A guard against a hung step, not a performance assertion: a loaded 2-core machine ran one project's tests in 300 s.
const stepLimit = 20 * minutes;

interface StepResult {
	step: string;
	ok: boolean;
	ms: number;
	detail?: string;
}
const results = new Map<string, { steps: StepResult[]; ms: number }>();
const matrixStarted = Date.now();

class StopTarget extends Error {}

class CombinationRun {
	readonly dir: string;
	readonly logs: string;
	readonly steps: StepResult[] = [];
	private counter = 0;

	constructor(readonly combo: Combination) {
		this.dir = join(root, combo.name);
		this.logs = join(root, "logs", combo.name);
		results.set(combo.name, { steps: this.steps, ms: 0 });
	}

	log(step: string): string {
		this.counter++;
		return join(this.logs, `${String(this.counter).padStart(2, "0")}-${step.replace(/[^a-z0-9]+/gi, "-")}.log`);
	}

	/** Runs one step and records it; a failed `hard` step stops what depends on it (throws StopTarget). */
	async step<T>(step: string, fn: () => Promise<T>, hard: boolean): Promise<T | undefined> {
		const started = Date.now();
		try {
			const value = await fn();
			const ms = Date.now() - started;
			this.steps.push({ step, ok: true, ms });
			console.log(`e2e ${this.combo.name}: ok   ${step} (${(ms / 1000).toFixed(1)} s)`);
			return value;
		} catch (error) {
			const ms = Date.now() - started;
			const detail = error instanceof Error ? error.message : String(error);
			this.steps.push({ step, ok: false, ms, detail });
			console.log(`e2e ${this.combo.name}: FAIL ${step} (${(ms / 1000).toFixed(1)} s)\n${indent(detail)}`);
			if (hard) throw new StopTarget(step);
			return undefined;
		}
	}

	/** A command that must exit 0; its error carries the tail of its log. */
	async command(
		step: string,
		command: string,
		args: string[],
		options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
	) {
		const r = await runLogged(command, args, {
			cwd: options.cwd ?? this.dir,
			env: options.env ?? freshEnv(),
			log: this.log(step),
			timeoutMs: options.timeoutMs ?? stepLimit,
		});
		if (r.code !== 0) {
			throw new Error(`\`${command} ${args.join(" ")}\` exited ${r.code ?? r.signal}; ${r.log}:\n${await tail(r.log)}`);
		}
		return r;
	}

	/** The project's tests, then the built server started, driven by the contract client, and stopped. */
	async serverRun(
		target: string,
		env: Record<string, string>,
		hooks: { before?: () => Promise<void>; after?: () => Promise<void> } = {},
	): Promise<void> {
		const dataDir = join(this.dir, ".data");
		try {
			if (!env.DATABASE_URL) await rm(dataDir, { recursive: true, force: true });
			await this.step(
				`test (${target})`,
				() => this.command(`test-${target}`, "npm", ["test"], { env: freshEnv(env) }),
				false,
			);
			if (!env.DATABASE_URL) await rm(dataDir, { recursive: true, force: true }); // the server starts on a fresh .data
			if (hooks.before) await hooks.before();
			await this.drive(target, env, "development");
			if (!env.DATABASE_URL) {
				await this.step(
					"the server kept its data in ./.data (pglite)",
					async () => {
						if (!existsSync(dataDir)) throw new Error(`no ${dataDir} after the server ran without DATABASE_URL`);
					},
					false,
				);
			}
			if (hooks.after) await hooks.after();
		} catch (error) {
			if (!(error instanceof StopTarget)) throw error;
		}
	}

	/** Starts the built server, runs the contract client against it, stops it with SIGTERM. */
	async drive(target: string, env: Record<string, string>, nodeEnv: "development" | "production"): Promise<void> {
		const { api, auth } = this.combo.answers;
		const label = nodeEnv === "development" ? target : `${target}, production`;
		const port = await freePort();
		const serverEnv = freshEnv({ ...env, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: nodeEnv });
		let server: RunningServer | undefined;
		let healthy = false;
		try {
			await this.step(
				`start (${label})`,
				async () => {
					server = await startServer(this.dir, { env: serverEnv, log: this.log(`server-${label}`), port });
					try {
						await waitForHealth(server);
						healthy = true;
					} catch (error) {
						throw new Error(`${(error as Error).message}; ${server.log}:\n${await tail(server.log)}`);
					}
				},
				true,
			);
			await this.step(
				`contract (${label})`,
				async () => {
					const running = server as RunningServer;
					const r = await runLogged(
						process.execPath,
						[
							clientPath,
							"--url",
							running.url,
							"--api",
							api ?? "",
							"--auth",
							auth ?? "",
							"--env",
							nodeEnv,
							"--keep-going",
						],
						{ cwd: this.dir, env: freshEnv(), log: this.log(`contract-${label}`), timeoutMs: 5 * minutes },
					);
					const summary = r.output.trimEnd().split("\n").at(-1) ?? "";
					if (r.code !== 0) {
						throw new Error(
							`contract client exited ${r.code ?? r.signal}; ${r.log}:\n${await tail(r.log, 60)}\n` +
								`-- server log ${running.log}:\n${await tail(running.log, 30)}`,
						);
					}
					console.log(`e2e ${this.combo.name}: contract (${label}): ${summary}`);
				},
				false,
			);
			if (api === "rest" && target === "pglite" && nodeEnv === "development") await this.lintOpenApi(server);
		} finally {
			if (server && !healthy)
				await stopServer(server, 2_000); // the start step failed and said why
			else if (server) {
				const running = server;
				await this.step(
					`SIGTERM exits 0 (${label})`,
					async () => {
						const stopped = await stopServer(running);
						if (stopped.killed || stopped.code !== 0 || stopped.ms > 5_000) {
							throw new Error(
								`after SIGTERM: exit ${stopped.code ?? stopped.signal} in ${stopped.ms} ms` +
									`${stopped.killed ? " (killed with SIGKILL)" : ""}; ${running.log}:\n${await tail(running.log, 20)}`,
							);
						}
					},
					false,
				);
			}
		}
	}

	/** SEC-81: the running server's /openapi.json passes `redocly lint` (recommended rules): no errors; warnings printed. */
	async lintOpenApi(server: RunningServer | undefined): Promise<void> {
		await this.step(
			"openapi lint (redocly)",
			async () => {
				const running = server as RunningServer;
				const res = await fetch(`${running.url}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
				if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
				const spec = join(this.logs, "openapi.json");
				await writeFile(spec, await res.text());
				const r = await runLogged(process.execPath, [redoclyPath, "lint", spec, "--format=stylish"], {
					cwd: this.logs, // no redocly.yaml here: the built-in recommended rules
					env: freshEnv({ REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" }),
					log: this.log("openapi-lint"),
					timeoutMs: 2 * minutes,
				});
				const findings = r.output.split("\n").filter((line) => /\s(error|warning)\s/.test(line));
				if (r.code !== 0) {
					throw new Error(`redocly lint exited ${r.code ?? r.signal}; ${r.log}:\n${findings.join("\n") || r.output}`);
				}
				console.log(
					`e2e ${this.combo.name}: openapi lint: no errors, ${findings.length} warning(s)` +
						(findings.length > 0 ? `\n${indent(findings.map((l) => l.trim()).join("\n"))}` : ""),
				);
			},
			false,
		);
	}

	/** In production a weak JWT_SECRET stops start-up with one line naming the variable (CONTRACT.md §2). */
	async refusesWeakSecret(env: Record<string, string>): Promise<void> {
		const example = await readFile(join(this.dir, ".env.example"), "utf8");
		const placeholder = /^JWT_SECRET=(.*)$/m.exec(example)?.[1]?.replace(/^["']|["']$/g, "") ?? "";
		const cases: [string, string][] = [
			["missing (empty)", ""],
			["short", "too-short-secret"],
			[`placeholder (.env.example's "${placeholder}")`, placeholder],
		];
		for (const [what, secret] of cases) {
			await this.step(
				`production refuses a ${what} JWT_SECRET`,
				async () => {
					const port = await freePort();
					const server = await startServer(this.dir, {
						env: freshEnv({
							...env,
							PORT: String(port),
							HOST: "127.0.0.1",
							NODE_ENV: "production",
							JWT_SECRET: secret,
						}),
						log: this.log(`server-weak-secret-${what.split(" ")[0]}`),
						port,
					});
					const timer = setTimeout(() => server.child.kill("SIGKILL"), 30_000);
					const { code, signal } = await server.exited;
					clearTimeout(timer);
					const output = await tail(server.log, 200);
					if (code === 0 || signal) {
						throw new Error(
							`the server did not refuse it (exit ${code ?? signal}); ${server.log}:\n${await tail(server.log, 20)}`,
						);
					}
					if (!/JWT_SECRET/.test(output)) {
						throw new Error(
							`exit ${code}, but no line names JWT_SECRET; ${server.log}:\n${await tail(server.log, 20)}`,
						);
					}
				},
				false,
			);
		}
	}

	async run(): Promise<void> {
		const { db } = this.combo.answers;
		try {
			await this.step(
				"generate",
				() =>
					this.command(
						"generate",
						process.execPath,
						[
							cliPath,
							this.combo.name,
							...this.combo.flags,
							...(pack ? ["--pack", pack] : []),
							"--yes",
							"--no-install",
							"--no-git",
						],
						{ cwd: root },
					),
				true,
			);
			const install = await this.step(
				"npm install",
				() =>
					this.command("install", "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
						timeoutMs: stepLimit,
					}),
				true,
			);
			await this.step(
				"no install warnings",
				async () => {
					const bad = badInstallWarnings(install?.output ?? "");
					if (bad.length > 0) throw new Error(`npm install warned:\n${bad.join("\n")}`);
				},
				false,
			);
			await this.step("typecheck", () => this.command("typecheck", "npm", ["run", "typecheck"]), false);
			await this.step("lint", () => this.command("lint", "npm", ["run", "lint"]), false);
			await this.step("build", () => this.command("build", "npm", ["run", "build"]), true);
			if (db === "sql") {
				await this.serverRun("pglite", {});
				const database = await createDatabase(this.log("createdb"));
				try {
					const env = { DATABASE_URL: postgresUrl(database) };
					await this.serverRun("postgres", env, {
						before: async () => {
							await this.step(
								"db:migrate (postgres)",
								() => this.command("migrate-postgres", "npm", ["run", "db:migrate"], { env: freshEnv(env) }),
								false, // the server applies pending migrations at start too: a failure here is kept, not fatal
							);
						},
						after: async () => {
							await this.step(
								"the server wrote to the PostgreSQL database",
								async () => {
									const tables = await countTables(database, this.log("count-tables"));
									if (tables === 0) throw new Error(`database ${database} has no tables after the server ran on it`);
								},
								false,
							);
							// Production once per combination, on PostgreSQL (quick to start).
							await this.drive("postgres", env, "production");
							if (this.combo.answers.auth === "jwt") await this.refusesWeakSecret(env);
						},
					});
				} finally {
					await dropDatabase(database, this.log("dropdb"));
				}
			} else {
				await this.step(
					"test fails with no MongoDB",
					async () => {
						const r = await runLogged("npm", ["test"], {
							cwd: this.dir,
							env: freshEnv(),
							log: this.log("test-no-mongodb"),
							timeoutMs: stepLimit,
						});
						const line = r.output
							.split("\n")
							.find((l) => /mongo/i.test(l) && /\b(no|not|un\w+|cannot|could)\b/i.test(l));
						if (r.code === 0) {
							throw new Error(
								`npm test passed with no MongoDB server on this machine; ${r.log}:\n${await tail(r.log)}`,
							);
						}
						if (!line) {
							throw new Error(
								`npm test failed, but not with a "no MongoDB available" message; ${r.log}:\n${await tail(r.log)}`,
							);
						}
						console.log(`e2e ${this.combo.name}: npm test says: ${line.trim()}`);
					},
					false,
				);
				console.log(`e2e ${this.combo.name}: ${noMongo}: not started, not driven`);
			}
		} catch (error) {
			if (!(error instanceof StopTarget)) {
				this.steps.push({ step: "harness", ok: false, ms: 0, detail: String((error as Error).stack ?? error) });
			}
		}
	}
}

function indent(text: string): string {
	return text
		.split("\n")
		.map((line) => `    ${line}`)
		.join("\n");
}

describe("e2e matrix", () => {
	console.log(`e2e: ${combinations.length} combinations, logs and projects under ${root}`);
	for (const combo of combinations) {
		it.concurrent(combo.name, async () => {
			const started = Date.now();
			const run = new CombinationRun(combo);
			await run.run();
			const result = results.get(combo.name);
			if (result) result.ms = Date.now() - started;
			const failed = run.steps.filter((s) => !s.ok);
			if (failed.length === 0 && !keep) await rm(run.dir, { recursive: true, force: true });
			if (failed.length > 0) {
				throw new Error(
					`${combo.name}: ${failed.length} step(s) failed: ${failed.map((s) => s.step).join(", ")}\n\n` +
						failed.map((s) => `[${s.step}]\n${s.detail}`).join("\n\n"),
				);
			}
		});
		if (combo.answers.db === "nosql") it.skip(`${combo.name}: ${noMongo}`, () => {});
	}

	afterAll(async () => {
		const lines = [`e2e matrix: ${((Date.now() - matrixStarted) / 1000).toFixed(0)} s wall time, logs in ${root}/logs`];
		for (const [name, { steps, ms }] of results) {
			lines.push(`  ${name} (${(ms / 1000).toFixed(0)} s)`);
			for (const s of steps) lines.push(`    ${s.ok ? "ok  " : "FAIL"} ${s.step} ${(s.ms / 1000).toFixed(1)} s`);
			if (name.includes("nosql")) lines.push(`    skip ${noMongo}`);
		}
		console.log(lines.join("\n"));
		await writeFile(join(root, "summary.json"), JSON.stringify(Object.fromEntries(results), null, 2));
	});
});
