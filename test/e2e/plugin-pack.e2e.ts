// Issue 13, "Done when": a pack whose only file is src/plugins/acme-header.ts (an fp-wrapped plugin that sets a
// header in onSend) gives a server that sends the header on every answer. The pack is written to a temporary
// folder, a project is generated from it with the built CLI (rest, sql, auth none: the cheapest), installed, built
// and started as users start it (`npm run build`, then the `start` script: `node dist/server.js`), then asked over
// HTTP for a 200, a 404 and a 415; the server is stopped with SIGTERM to its PID. E2E_KEEP=1 keeps the folder.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
	cliPath,
	freePort,
	freshEnv,
	type RunningServer,
	runLogged,
	startServer,
	stopServer,
	tail,
	waitForHealth,
} from "./harness.js";

const HEADER = "x-acme-service";
const VALUE = "orders-api";

// The pack's only file, as a team would write it: fp-wrapped so that its hook is the root's and runs for every
// route, the 404 handler and the error handler alike.
const plugin = `import fp from "fastify-plugin";

/** Acme's header on every answer: routes, unknown routes and errors alike. */
export default fp(
  async (app) => {
    app.addHook("onSend", (_request, reply, payload, done) => {
      reply.header("${HEADER}", "${VALUE}");
      done(null, payload);
    });
  },
  { name: "acme-header" },
);
`;

const root = await mkdtemp(join(tmpdir(), "cbs-plugin-pack-"));
const packDir = join(root, "acme-header-pack");
const projectDir = join(root, "app");
const logs = join(root, "logs");
const keep = Boolean(process.env.E2E_KEEP);
const stepLimit = 20 * 60_000;

/** Runs a command that must exit 0; on failure the error carries the tail of its log. */
async function run(step: string, command: string, args: string[], cwd: string) {
	const r = await runLogged(command, args, {
		cwd,
		env: freshEnv(),
		log: join(logs, `${step}.log`),
		timeoutMs: stepLimit,
	});
	if (r.code !== 0)
		throw new Error(`${step}: \`${command} ${args.join(" ")}\` exited ${r.code ?? r.signal}:\n${await tail(r.log)}`);
	return r;
}

let server: RunningServer | undefined;

afterAll(async () => {
	if (server) await stopServer(server);
	if (keep) console.log(`plugin-pack e2e: kept ${root}`);
	else await rm(root, { recursive: true, force: true });
});

describe("a pack whose only file is src/plugins/acme-header.ts", () => {
	it("gives a server that sends the header on every answer: 200, 404 and 415", async () => {
		await mkdir(join(packDir, "layers/header/src/plugins"), { recursive: true });
		await writeFile(
			join(packDir, "pack.json"),
			`${JSON.stringify({ name: "acme-header", extends: "create-backend-starter", layers: [{ dir: "layers/header" }] }, null, 2)}\n`,
		);
		await writeFile(join(packDir, "layers/header/src/plugins/acme-header.ts"), plugin);

		// --json: stdout is the list of files written, each with the layer it comes from.
		const generated = await promisify(execFile)(
			process.execPath,
			[
				cliPath,
				"app",
				"--pack",
				packDir,
				"--api",
				"rest",
				"--db",
				"sql",
				"--auth",
				"none",
				"--yes",
				"--no-install",
				"--no-git",
				"--json",
			],
			{ cwd: root, env: freshEnv(), timeout: 5 * 60_000 },
		);
		// The pack's layer wrote that one file and no other: src/app.ts and the rest are the built-in pack's.
		const files = (JSON.parse(generated.stdout) as { files: { path: string; layer: string }[] }).files;
		expect(files.filter((f) => !f.layer.startsWith("create-backend-starter/")).map((f) => f.path)).toEqual([
			"src/plugins/acme-header.ts",
		]);
		expect(files.find((f) => f.path === "src/plugins/acme-header.ts")?.layer).toBe("acme-header/layers/header");

		await run("install", "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], projectDir);
		await run("build", "npm", ["run", "build"], projectDir);

		const port = await freePort();
		server = await startServer(projectDir, {
			env: freshEnv({ PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "development" }),
			log: join(logs, "server.log"),
			port,
		});
		try {
			await waitForHealth(server);
		} catch (error) {
			throw new Error(`${(error as Error).message}; ${server.log}:\n${await tail(server.log)}`);
		}

		const answers = [
			await fetch(`${server.url}/health`),
			await fetch(`${server.url}/no-such-route`),
			await fetch(`${server.url}/notes`, {
				method: "POST",
				headers: { "content-type": "text/plain" },
				body: "not json",
			}),
		];
		expect(answers.map((answer) => answer.status)).toEqual([200, 404, 415]);
		for (const answer of answers) {
			expect({ url: answer.url, header: answer.headers.get(HEADER) }).toEqual({ url: answer.url, header: VALUE });
		}
		// The errors are still the built-in problem documents: the plugin added a header and changed nothing else.
		expect(answers[1]?.headers.get("content-type")).toMatch(/^application\/problem\+json/);
		expect(answers[2]?.headers.get("content-type")).toMatch(/^application\/problem\+json/);

		const stopped = await stopServer(server);
		server = undefined;
		expect(stopped).toMatchObject({ code: 0, killed: false });
	});
});
