// The end-to-end matrix (DESIGN.md §4): for every combination of the built-in pack's options — generate outside
// the repository with the built CLI, npm install, typecheck, lint, build, then the project's own tests, start the
// built server and drive the HTTP contract from a separate process (test/e2e/contract-client.mjs), and stop it
// with SIGTERM. PostgreSQL combinations do the last part twice: on embedded PGlite and on the local PostgreSQL
// server; MySQL combinations do it on the local MariaDB server (MySQL 8 itself is not on this machine).
// NoSQL combinations cannot start: no MongoDB server can exist on this machine, and none is faked.
//
// Each step's output is kept in a log file under the temporary folder; a failed step prints its tail.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, describe, it } from "vitest";
import {
	badInstallWarnings,
	type Combination,
	clientPath,
	cliPath,
	countMysqlTables,
	countTables,
	createDatabase,
	createMysqlDatabase,
	dropDatabase,
	dropMysqlDatabase,
	freePort,
	freshEnv,
	listCombinations,
	lockfileLintPath,
	mysqlUrl,
	oidcClientPath,
	oidcProviderPath,
	postgresUrl,
	prismPath,
	type RunningServer,
	redoclyPath,
	runLogged,
	spectralPath,
	spectralRuleset,
	startProcess,
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
	/** Set when the step could not run on this machine (neither a pass nor a failure): why. */
	cannot?: string;
}
const results = new Map<string, { steps: StepResult[]; ms: number }>();
const matrixStarted = Date.now();

class StopTarget extends Error {}
/** Thrown by a step that cannot run here (e.g. the registry refuses the audit endpoint): reported, not failed. */
class CannotRun extends Error {}

/** The database a combination runs on: `sql-postgres`, `sql-mysql`, `nosql`. */
const databaseOf = (c: Combination) => [c.answers.db, c.answers.dialect].filter(Boolean).join("-");

// SEC-84: `npm audit` runs in one installed project per database (the REST one with JWT auth when it is in the
// run: it has the most dependencies), not in all of them.
const auditTargets = new Set(
	[...new Set(combinations.map(databaseOf))].flatMap((db) => {
		const ofDb = combinations.filter((c) => databaseOf(c) === db);
		const best = ofDb.find((c) => c.answers.api === "rest" && c.answers.auth === "jwt") ?? ofDb[0];
		return best ? [best.name] : [];
	}),
);

// SEC-25: the lock resolved afresh with URLs (see supplyChain) costs 5-15 s, so it is done once per api x database, in
// the combination with JWT auth when it is in the run (its dependencies include those of the one without).
const freshLockTargets = new Set(
	combinations
		.filter(
			(c) =>
				c.answers.auth === "jwt" ||
				!combinations.some(
					(o) => o.answers.api === c.answers.api && databaseOf(o) === databaseOf(c) && o.answers.auth === "jwt",
				),
		)
		.map((c) => c.name),
);

class CombinationRun {
	readonly dir: string;
	readonly logs: string;
	readonly steps: StepResult[] = [];
	private counter = 0;
	/** The development server's /openapi.json (SEC-73 compares production's with it). */
	private devSpec: string | undefined;

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
			if (error instanceof CannotRun) {
				this.steps.push({ step, ok: true, ms, cannot: error.message });
				console.log(`e2e ${this.combo.name}: n/a  ${step}: cannot run here: ${error.message}`);
				return undefined;
			}
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
		// --oauth oidc, in development: a provider process, and the server configured to sign in through it.
		const oidc = this.combo.answers.oauth === "oidc" && nodeEnv === "development";
		const landing = "http://127.0.0.1:5173/signed-in";
		let provider: RunningServer | undefined;
		let oidcEnv: Record<string, string> = {};
		if (oidc) {
			provider = await this.startOidcProvider(port, label);
			oidcEnv = {
				OIDC_ISSUER: provider.url,
				OIDC_CLIENT_ID: "e2e-app",
				OIDC_CLIENT_SECRET: "e2e-client-secret-0123456789",
				OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/auth/oidc/callback`,
				OIDC_POST_LOGIN_REDIRECT: landing,
				CORS_ORIGIN: "http://127.0.0.1:5173",
			};
		}
		const serverEnv = freshEnv({ ...env, ...oidcEnv, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: nodeEnv });
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
			if (oidc && provider) {
				const running = server as RunningServer;
				await this.step(
					`oidc sign-in through a provider process (${label})`,
					async () => {
						const r = await runLogged(
							process.execPath,
							[oidcClientPath, "--url", running.url, "--api", api ?? "", "--landing", landing],
							{ cwd: this.dir, env: freshEnv(), log: this.log(`oidc-${label}`), timeoutMs: 2 * minutes },
						);
						if (r.code !== 0) {
							throw new Error(
								`oidc client exited ${r.code ?? r.signal}; ${r.log}:\n${await tail(r.log, 30)}\n` +
									`-- server log ${running.log}:\n${await tail(running.log, 20)}`,
							);
						}
						console.log(`e2e ${this.combo.name}: ${r.output.trimEnd().split("\n").at(-1)} (${label})`);
					},
					false,
				);
			}
			// The OpenAPI lint once per combination: on PGlite (PostgreSQL combinations) or on MariaDB (MySQL ones).
			if (api === "rest" && (target === "pglite" || target === "mysql") && nodeEnv === "development") {
				const spec = await this.lintOpenApi(server);
				if (spec) await this.contractThroughPrism(server as RunningServer, spec);
			}
			if (api === "rest" && nodeEnv === "production") {
				await this.docsInProduction(server as RunningServer, serverEnv);
			}
		} finally {
			if (provider) await stopServer(provider, 5_000);
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

	/** The provider process for a server on `appPort` (test/e2e/oidc-provider.mjs, run from the project). */
	async startOidcProvider(appPort: number, label: string): Promise<RunningServer> {
		const port = await freePort();
		const provider = await startProcess(
			process.execPath,
			[
				oidcProviderPath,
				"--project",
				this.dir,
				"--port",
				String(port),
				"--redirect-uri",
				`http://127.0.0.1:${appPort}/auth/oidc/callback`,
				"--client-id",
				"e2e-app",
				"--client-secret",
				"e2e-client-secret-0123456789",
			],
			{ cwd: this.dir, env: freshEnv(), log: this.log(`oidc-provider-${label}`), url: `http://127.0.0.1:${port}` },
		);
		try {
			await waitForHealth(provider, 30_000);
		} catch (error) {
			await stopServer(provider, 2_000);
			throw new Error(`oidc provider: ${(error as Error).message}; ${provider.log}:\n${await tail(provider.log)}`);
		}
		return provider;
	}

	/**
	 * SEC-81: the running server's /openapi.json passes `redocly lint` (recommended rules), the validation of
	 * @apidevtools/swagger-parser and `spectral lint` with the OWASP API Security ruleset (test/e2e/spectral.yaml):
	 * no errors from any; warnings printed. Returns the
	 * spec's file (for SEC-82) and keeps its text (for SEC-73's comparison with production).
	 */
	async lintOpenApi(server: RunningServer | undefined): Promise<string | undefined> {
		const spec = join(this.logs, "openapi.json");
		const fetched = await this.step(
			"GET /openapi.json",
			async () => {
				const running = server as RunningServer;
				const res = await fetch(`${running.url}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
				if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
				this.devSpec = await res.text();
				await writeFile(spec, this.devSpec);
				return true;
			},
			false,
		);
		if (!fetched) return undefined;
		await this.step(
			"openapi lint (redocly)",
			async () => {
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
					`e2e ${this.combo.name}: openapi lint (redocly): no errors, ${findings.length} warning(s)` +
						(findings.length > 0 ? `\n${indent(findings.map((l) => l.trim()).join("\n"))}` : ""),
				);
			},
			false,
		);
		await this.step(
			"openapi validation (@apidevtools/swagger-parser)",
			async () => {
				// A widely used validator, stricter than the linters on some points (e.g. `info.license` needs an
				// `identifier` or a `url`): a document it rejects breaks tools built on it.
				await SwaggerParser.validate(spec);
			},
			false,
		);
		await this.step(
			"openapi lint (spectral, OWASP)",
			async () => {
				const ruleset = spectralRuleset(this.combo.answers.auth);
				const report = join(this.logs, "spectral.json");
				await rm(report, { force: true });
				const r = await runLogged(
					process.execPath,
					[spectralPath, "lint", spec, "--ruleset", ruleset, "--format", "json", "--output", report],
					{ cwd: this.logs, env: freshEnv(), log: this.log("openapi-spectral"), timeoutMs: 2 * minutes },
				);
				// Exit 0: no errors; 1: errors found (read below); anything else: Spectral itself failed.
				if ((r.code !== 0 && r.code !== 1) || !existsSync(report)) {
					throw new Error(`spectral lint exited ${r.code ?? r.signal}; ${r.log}:\n${await tail(r.log)}`);
				}
				const findings = JSON.parse(await readFile(report, "utf8")) as {
					code: string;
					message: string;
					severity: number; // 0 error, 1 warning, 2 info, 3 hint
					path: string[];
				}[];
				const where = (f: { path: string[] }) => f.path.join(".");
				const line = (f: (typeof findings)[number]) => `${f.code} ${where(f)}: ${f.message}`;
				const errors = findings.filter((f) => f.severity === 0);
				const warnings = findings.filter((f) => f.severity === 1);
				// Warnings by rule: a count and a few places (there are many alike).
				const byRule = new Map<string, string[]>();
				for (const f of warnings) byRule.set(f.code, [...(byRule.get(f.code) ?? []), where(f)]);
				const summary = [...byRule].map(
					([code, at]) =>
						`warning ${code} x${at.length}: ${[...new Set(at.map((p) => p.split(".").slice(0, 3).join(".")))].slice(0, 4).join(", ")}${at.length > 4 ? ", …" : ""}`,
				);
				if (errors.length > 0) {
					throw new Error(
						`spectral lint: ${errors.length} error(s) (ruleset ${ruleset}; report ${report}):\n` +
							errors.map(line).join("\n"),
					);
				}
				console.log(
					`e2e ${this.combo.name}: openapi lint (spectral): no errors, ${warnings.length} warning(s) in ${byRule.size} rule(s)` +
						`\n${indent(summary.join("\n"))}`,
				);
			},
			false,
		);
		return spec;
	}

	/**
	 * SEC-82: the contract client runs once more through `prism proxy <spec> <server>`, which validates every
	 * request and response against the spec and reports violations in the `sl-violations` header (collected by
	 * the client) and its log. Fails on any response violation, and on a request violation that the server
	 * accepted (answered below 400): the client sends deliberately invalid requests, and those must be refused.
	 * Only the documentation's own routes (/docs…, /openapi.json: hidden from the spec) may be "not found" in it.
	 */
	async contractThroughPrism(server: RunningServer, spec: string): Promise<void> {
		const { api, auth } = this.combo.answers;
		const port = await freePort();
		let prism: RunningServer | undefined;
		try {
			await this.step(
				"contract through prism proxy (SEC-82)",
				async () => {
					prism = await startProcess(
						process.execPath,
						[prismPath, "proxy", spec, server.url, "--host", "127.0.0.1", "--port", String(port), "--cors=false"],
						{
							cwd: this.logs,
							env: freshEnv({ SCARF_ANALYTICS: "false", DO_NOT_TRACK: "1" }),
							log: this.log("prism"),
							url: `http://127.0.0.1:${port}`,
						},
					);
					try {
						await waitForHealth(prism, 30_000);
					} catch (error) {
						throw new Error(`prism: ${(error as Error).message}; ${prism.log}:\n${await tail(prism.log)}`);
					}
					const violationsFile = join(this.logs, "prism-violations.jsonl");
					const r = await runLogged(
						process.execPath,
						[
							clientPath,
							"--url",
							prism.url,
							"--api",
							api ?? "",
							"--auth",
							auth ?? "",
							"--keep-going",
							"--violations",
							violationsFile,
						],
						{ cwd: this.dir, env: freshEnv(), log: this.log("contract-prism"), timeoutMs: 5 * minutes },
					);
					const summary = r.output.trimEnd().split("\n").at(-1) ?? "";
					if (r.code !== 0) {
						throw new Error(
							`contract client through prism exited ${r.code ?? r.signal}; ${r.log}:\n${await tail(r.log, 40)}\n` +
								`-- prism log ${prism.log}:\n${await tail(prism.log, 30)}`,
						);
					}
					type Violation = { location?: string[]; message?: string; severity?: string };
					const entries = (await readFile(violationsFile, "utf8"))
						.split("\n")
						.filter(Boolean)
						.map(
							(l) =>
								JSON.parse(l) as {
									method?: string;
									path?: string;
									status?: number;
									violations?: Violation[];
									requests?: number;
								},
						);
					const requests = entries.find((e) => e.requests !== undefined)?.requests ?? 0;
					const responses = entries.filter((e) => e.violations);
					const docsRoute = (path = "") => /^\/(docs(\/|$|\?)|openapi\.json)/.test(path);
					const problems: string[] = [];
					let refused = 0;
					for (const e of responses) {
						const at = `${e.method} ${e.path} → ${e.status}`;
						for (const v of e.violations ?? []) {
							const text = `${(v.location ?? []).join(".")} ${v.message ?? ""}`;
							if (v.location?.[0] !== "request") problems.push(`${at}: ${text}`);
							else if ((e.status ?? 0) >= 400) refused++;
							else if (!(docsRoute(e.path) && /route not found|no path matched/i.test(text))) {
								problems.push(`${at}: the server accepted a request that breaks the spec: ${text}`);
							}
						}
					}
					// Requests the client does not see (none today) would still be in Prism's log.
					const logged = (await readFile(prism.log, "utf8"))
						.split("\n")
						.filter((l) => /Violation: response|Request terminated with error/.test(l));
					problems.push(...logged.map((l) => `prism log: ${l.trim()}`));
					if (problems.length > 0) {
						throw new Error(
							`${problems.length} contract violation(s) (${violationsFile}, ${prism.log}):\n${problems.slice(0, 40).join("\n")}`,
						);
					}
					console.log(
						`e2e ${this.combo.name}: contract through prism: ${summary}; ${requests} requests, no response ` +
							`violation; ${refused} request violation(s), all on requests the server refused (4xx)`,
					);
				},
				false,
			);
		} finally {
			if (prism) await stopServer(prism, 5_000);
		}
	}

	/**
	 * SEC-73: in production the docs are served (the documented choice), hold no secret and no environment value,
	 * and the spec equals the development one.
	 */
	async docsInProduction(server: RunningServer, serverEnv: Record<string, string>): Promise<void> {
		await this.step(
			"docs in production: served, no secrets, same spec (SEC-73)",
			async () => {
				const page = await fetch(`${server.url}/docs`, { signal: AbortSignal.timeout(10_000) });
				const html = await page.text();
				if (page.status !== 200 || !/swagger/i.test(html)) {
					throw new Error(`GET /docs (redirects followed) answered ${page.status}: ${html.slice(0, 200)}`);
				}
				const res = await fetch(`${server.url}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
				const text = await res.text();
				if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
				await writeFile(join(this.logs, "openapi-production.json"), text);
				// Every value the server could know from its environment: .env and the server's process environment
				// (DATABASE_URL included).
				const dotenv = existsSync(join(this.dir, ".env")) ? await readFile(join(this.dir, ".env"), "utf8") : "";
				const values = new Map<string, string>();
				for (const m of dotenv.matchAll(/^\s*([A-Z0-9_]+)\s*=\s*["']?(.*?)["']?\s*$/gm)) {
					if (m[1] && m[2]) values.set(`.env ${m[1]}`, m[2]);
				}
				for (const [key, value] of Object.entries(serverEnv)) {
					// Not secrets, and words a spec may hold: "production" (a description), this matrix's E2E_ONLY
					// (combination names, which are also the project's name and so the spec's title).
					if (/^(NODE_ENV|HOST|PORT|LOG_LEVEL|NO_COLOR|SHLVL|TERM|LANG|LC_.*|_|E2E_.*)$/.test(key)) continue;
					values.set(`env ${key}`, value);
				}
				if (this.combo.answers.auth === "jwt" && ![...values.keys()].some((k) => k.endsWith("JWT_SECRET"))) {
					throw new Error("no JWT_SECRET in .env to look for");
				}
				const leaked = [...values]
					.filter(([, value]) => value.length >= 8 && (text.includes(value) || html.includes(value)))
					.map(([key]) => key);
				if (leaked.length > 0) throw new Error(`the docs show the value of ${leaked.join(", ")}`);
				if (!this.devSpec) throw new Error("no development spec to compare with (its step failed)");
				const canonical = (json: string) => JSON.stringify(sortKeys(JSON.parse(json)));
				if (canonical(text) !== canonical(this.devSpec)) {
					throw new Error(
						`the production spec differs from the development one (${join(this.logs, "openapi-production.json")} vs openapi.json)`,
					);
				}
				console.log(
					`e2e ${this.combo.name}: docs in production: served; ${values.size} environment values absent; spec equals development's`,
				);
			},
			false,
		);
	}

	/**
	 * SEC-25: no install-time script in the generated package.json, and `lockfile-lint` on its package-lock.json:
	 * every package from the configured registry's host (over https when the registry is https), with sha512
	 * integrity and names that match their URLs. This machine's npm config sets omit-lockfile-registry-resolved,
	 * so the lock `npm install` wrote records no registry URL at all (npm fetches from the configured registry):
	 * then it is linted as it is (any URL it does record, e.g. a git or tarball dependency, must pass too) and a
	 * lock resolved afresh for the same package.json with URLs recorded is linted as well (once per api x db).
	 */
	async supplyChain(): Promise<void> {
		const pkg = JSON.parse(await readFile(join(this.dir, "package.json"), "utf8")) as {
			scripts?: Record<string, string>;
		};
		const hooks = Object.keys(pkg.scripts ?? {}).filter((name) =>
			/^(pre|post)?(install|prepare|prepublish|preprepare|postprepare)$/.test(name),
		);
		if (hooks.length > 0) throw new Error(`the generated package.json has install-time scripts: ${hooks.join(", ")}`);
		const config = await runLogged("npm", ["config", "get", "registry"], {
			cwd: this.dir,
			env: freshEnv(),
			log: this.log("npm-config-registry"),
			timeoutMs: 60_000,
		});
		const registry = config.output
			.split("\n")
			.map((l) => l.trim())
			.find((l) => /^https?:\/\//.test(l));
		if (config.code !== 0 || !registry) throw new Error(`npm config get registry: ${config.output}`);
		const { protocol, host } = new URL(registry);
		const lint = (lockfile: string, step: string) =>
			this.command(step, process.execPath, [
				lockfileLintPath,
				"--path",
				lockfile,
				"--type",
				"npm",
				"--allowed-hosts",
				host,
				"--validate-package-names",
				"--validate-integrity",
				...(protocol === "https:" ? ["--validate-https"] : []),
			]);
		type Lock = { packages?: Record<string, { resolved?: string; integrity?: string; link?: boolean }> };
		const entries = (lock: Lock) => Object.entries(lock.packages ?? {}).filter(([path, p]) => path !== "" && !p.link);
		const installed = JSON.parse(await readFile(join(this.dir, "package-lock.json"), "utf8")) as Lock;
		const withoutIntegrity = entries(installed).filter(([, p]) => !p.integrity && !p.resolved);
		if (withoutIntegrity.length > 0) {
			throw new Error(
				`package-lock.json entries with neither integrity nor resolved: ${withoutIntegrity.map(([k]) => k).join(", ")}`,
			);
		}
		await lint("package-lock.json", "lockfile-lint");
		const recorded = entries(installed).filter(([, p]) => p.resolved).length;
		let fresh = "";
		if (recorded === 0 && !freshLockTargets.has(this.combo.name)) {
			fresh =
				"; the lock npm wrote records no URL (omit-lockfile-registry-resolved is set here): the same api and db with JWT auth also lints a lock resolved with URLs";
		} else if (recorded === 0) {
			// Resolve a copy of package.json afresh, recording the URLs, in a folder of its own.
			const copy = join(this.logs, "lock-with-urls");
			await rm(copy, { recursive: true, force: true });
			await mkdir(copy, { recursive: true });
			await writeFile(join(copy, "package.json"), await readFile(join(this.dir, "package.json")));
			await this.command(
				"lock-with-urls",
				"npm",
				[
					"install",
					"--package-lock-only",
					"--ignore-scripts",
					"--no-audit",
					"--no-fund",
					"--prefer-offline",
					"--omit-lockfile-registry-resolved=false",
				],
				{ cwd: copy },
			);
			const lockfile = join(copy, "package-lock.json");
			const urls = entries(JSON.parse(await readFile(lockfile, "utf8")) as Lock).filter(([, p]) => p.resolved).length;
			if (urls === 0) throw new Error(`${lockfile} records no URL either: nothing for lockfile-lint to check`);
			await lint(lockfile, "lockfile-lint-with-urls");
			fresh = `; the lock npm wrote records no URL (omit-lockfile-registry-resolved is set here), so a lock resolved afresh with URLs was linted too: ${urls} URLs`;
		}
		console.log(
			`e2e ${this.combo.name}: lockfile-lint: ${entries(installed).length} packages, all from ${host}` +
				(protocol === "https:" ? " over https" : ` (the registry is ${protocol}//: https not required)`) +
				`, sha512 integrity${fresh}`,
		);
	}

	/**
	 * SEC-84: `npm audit --omit=dev --audit-level=high`: 0 high or critical advisories. When the registry does not
	 * answer the audit endpoint (this machine's answers 405), the step says so: it cannot run here.
	 */
	async audit(): Promise<void> {
		const r = await runLogged("npm", ["audit", "--omit=dev", "--audit-level=high", "--json"], {
			cwd: this.dir,
			env: freshEnv(),
			log: this.log("npm-audit"),
			timeoutMs: 2 * minutes,
		});
		const start = r.output.indexOf("{");
		let report: {
			statusCode?: number;
			message?: string;
			error?: { code?: string; summary?: string };
			metadata?: { vulnerabilities?: Record<string, number> };
		} = {};
		try {
			report = JSON.parse(r.output.slice(start, r.output.lastIndexOf("}") + 1));
		} catch {
			throw new Error(`npm audit exited ${r.code}; no JSON report; ${r.log}:\n${await tail(r.log)}`);
		}
		const counts = report.metadata?.vulnerabilities;
		if (!counts) {
			const answer = report.message ?? report.error?.summary ?? report.error?.code ?? `exit ${r.code}`;
			throw new CannotRun(`registry answered: ${answer.split("\n")[0]}`);
		}
		const high = (counts.high ?? 0) + (counts.critical ?? 0);
		const all = Object.entries(counts)
			.filter(([k]) => k !== "total")
			.map(([k, v]) => `${v} ${k}`)
			.join(", ");
		if (high > 0) throw new Error(`npm audit: ${all}; ${r.log}`);
		console.log(`e2e ${this.combo.name}: npm audit (production dependencies): ${all}`);
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

	/**
	 * MySQL has no embedded fallback: without DATABASE_URL the built server stops with one line that says how to
	 * start a server (CONTRACT.md §2, MySQL), and no stack.
	 */
	async refusesWithoutServer(): Promise<void> {
		await this.step(
			"start-up without DATABASE_URL: one line saying how to start a server",
			async () => {
				const r = await runLogged(process.execPath, ["dist/server.js"], {
					cwd: this.dir,
					env: freshEnv({ PORT: String(await freePort()), HOST: "127.0.0.1" }),
					log: this.log("server-no-database-url"),
					timeoutMs: 30_000,
				});
				const lines = r.output.split("\n").filter((line) => line.trim() !== "");
				if (r.code === 0 || r.code === null)
					throw new Error(`the server did not stop (exit ${r.code ?? r.signal}); ${r.log}`);
				if (lines.length !== 1 || !/DATABASE_URL is not set.*docker compose up -d mysql/.test(lines[0] ?? "")) {
					throw new Error(`expected one line naming DATABASE_URL and how to start a server; ${r.log}:\n${r.output}`);
				}
				console.log(`e2e ${this.combo.name}: without DATABASE_URL: ${lines[0]}`);
			},
			false,
		);
	}

	/** The MySQL combinations' server part, on a fresh database of the local MariaDB server. */
	async onMariadb(): Promise<void> {
		await this.refusesWithoutServer();
		const database = await createMysqlDatabase(this.log("createdb-mysql"));
		try {
			const env = { DATABASE_URL: mysqlUrl(database) };
			await this.serverRun("mysql", env, {
				before: async () => {
					await this.step(
						"db:migrate (mysql)",
						() => this.command("migrate-mysql", "npm", ["run", "db:migrate"], { env: freshEnv(env) }),
						false,
					);
				},
				after: async () => {
					await this.step(
						"the server wrote to the MariaDB database",
						async () => {
							const tables = await countMysqlTables(database, this.log("count-tables-mysql"));
							if (tables === 0) throw new Error(`database ${database} has no tables after the server ran on it`);
						},
						false,
					);
					await this.drive("mysql", env, "production");
					if (this.combo.answers.auth === "jwt") await this.refusesWeakSecret(env);
				},
			});
		} finally {
			await dropMysqlDatabase(database, this.log("dropdb-mysql"));
		}
	}

	async run(): Promise<void> {
		const { db, dialect } = this.combo.answers;
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
			await this.step("package.json and lockfile from the registry only (SEC-25)", () => this.supplyChain(), false);
			if (auditTargets.has(this.combo.name)) {
				await this.step("npm audit --omit=dev --audit-level=high (SEC-84)", () => this.audit(), false);
			}
			await this.step("typecheck", () => this.command("typecheck", "npm", ["run", "typecheck"]), false);
			await this.step("lint", () => this.command("lint", "npm", ["run", "lint"]), false);
			// kubectl kustomize + the Kubernetes schemas of kubernetes-models, as the project's CI runs it
			await this.step("deploy:check", () => this.command("deploy-check", "npm", ["run", "deploy:check"]), false);
			await this.step("build", () => this.command("build", "npm", ["run", "build"]), true);
			if (db === "sql" && dialect === "mysql") {
				await this.onMariadb();
			} else if (db === "sql") {
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

function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	if (value && typeof value === "object") {
		return Object.fromEntries(
			Object.entries(value as Record<string, unknown>)
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([k, v]) => [k, sortKeys(v)]),
		);
	}
	return value;
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
			for (const s of steps) {
				const state = s.cannot ? "n/a " : s.ok ? "ok  " : "FAIL";
				const why = s.cannot ? ` (cannot run here: ${s.cannot})` : "";
				lines.push(`    ${state} ${s.step} ${(s.ms / 1000).toFixed(1)} s${why}`);
			}
			if (name.includes("nosql")) lines.push(`    skip ${noMongo}`);
		}
		console.log(lines.join("\n"));
		await writeFile(join(root, "summary.json"), JSON.stringify(Object.fromEntries(results), null, 2));
	});
});
