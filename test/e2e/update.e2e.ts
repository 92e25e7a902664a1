// Issue 16, "Done when": `update` and `add` on real projects.
//
// The older release: this repository's templates as of an earlier commit (E2E_UPDATE_FROM, default c46cfc3, the
// built-in pack before issue 21's login throttling), with today's bin/ and dist/, `npm pack`-ed as a release is
// and served by a small local npm registry, so that `update` fetches its base the way it does for users (npm pack
// from the registry into its cache, hash checked). For every combination: generate with the older release, make
// realistic edits (a new route file, a changed line in a generated file, a dependency, a README section), commit,
// update to the current pack: no conflict, the edits kept; then install, typecheck, lint and the project's own
// tests. MongoDB combinations: there is no MongoDB server here, so their own tests cannot run: typecheck and lint
// only. One overlapping edit gives exit 3 and markers. `add auth=jwt` on an --auth none project with edits, and
// `add api=graphql` on a fresh REST project, are installed by the tool, tested, and the first serves the auth
// contract. E2E_ONLY=rest-sql-jwt,… picks combinations; E2E_KEEP=1 keeps the folders.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	clientPath,
	cliPath,
	combinationsOf,
	freePort,
	freshEnv,
	type RunningServer,
	repoRoot,
	runLogged,
	startServer,
	stopServer,
	tail,
	waitForHealth,
} from "./harness.js";

const exec = promisify(execFile);
const minutes = 60_000;
const OLDER = process.env.E2E_UPDATE_FROM ?? "c46cfc3332cd44899963efa96b13de98d4762e5f";
const only = process.env.E2E_ONLY?.split(",").filter(Boolean);
// The combinations of the older pack: what a project made with it can hold. Options it lacked (dialect, oauth)
// take their defaults in the update.
const olderManifest = JSON.parse(
	execFileSync("git", ["-C", repoRoot, "show", `${OLDER}:templates/backend/pack.json`], { encoding: "utf8" }),
);
const combos = combinationsOf(olderManifest.options).filter((c) => !only || only.some((o) => c.name.includes(o)));

let root = "";
let oldCli = "";
let registry: Server | undefined;
let registryUrl = "";
const cache = () => join(root, "base-cache");

/** The older release: templates of OLDER plus today's engine, packed by `npm pack` and served by a local registry. */
beforeAll(async () => {
	root = await mkdtemp(join(tmpdir(), "cbs-e2e-update-"));
	const source = join(root, "release-src");
	await mkdir(source);
	await exec("git", ["-C", repoRoot, "archive", "-o", join(root, "templates.tar"), OLDER, "templates"]);
	await exec("tar", ["-xf", join(root, "templates.tar"), "-C", source]);
	for (const dir of ["bin", "dist", "schema"]) await cp(join(repoRoot, dir), join(source, dir), { recursive: true });
	const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8"));
	pkg.version = `${pkg.version.replace(/-.*/, "")}-e2e.${OLDER.slice(0, 7)}`;
	await writeFile(join(source, "package.json"), JSON.stringify(pkg, null, 2));
	const packed = await exec("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", root], {
		cwd: source,
		env: freshEnv(),
	});
	const tarball = join(root, packed.stdout.trim().split("\n").at(-1) ?? "");
	await mkdir(join(root, "release"));
	await exec("tar", ["-xzf", tarball, "-C", join(root, "release")]);
	// The release's runtime packages (execa, prompts) as an install of it would have them.
	await symlink(join(repoRoot, "node_modules"), join(root, "release/package/node_modules"), "dir");
	oldCli = join(root, "release/package/bin/create-backend-starter.js");
	({ server: registry, url: registryUrl } = await serveRegistry(pkg.name, pkg.version, await readFile(tarball)));
}, 5 * minutes);

afterAll(async () => {
	registry?.close();
	if (!process.env.E2E_KEEP) await rm(root, { recursive: true, force: true });
	else console.log(`e2e update: kept ${root}`);
});

/** A registry of one package version: its packument and its tarball, on 127.0.0.1. */
async function serveRegistry(name: string, version: string, tarball: Buffer) {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}/`;
	const packument = {
		name,
		"dist-tags": { latest: version },
		versions: {
			[version]: {
				name,
				version,
				dist: {
					tarball: `${url}tarball.tgz`,
					shasum: createHash("sha1").update(tarball).digest("hex"),
					integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
				},
			},
		},
	};
	const server = createServer((request, response) => {
		const path = decodeURIComponent(request.url ?? "");
		if (path === "/tarball.tgz") return void response.end(tarball);
		if (path === `/${name}`) {
			response.setHeader("content-type", "application/json");
			return void response.end(JSON.stringify(packument));
		}
		response.statusCode = 404;
		response.end("{}");
	});
	await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
	return { server, url };
}

/** A step's command, with its output in a log; fails the test with the log's tail. */
async function step(name: string, dir: string, command: string, args: string[], env = freshEnv(), ok = [0]) {
	const r = await runLogged(command, args, {
		cwd: dir,
		env,
		log: join(root, `${name}.log`),
		timeoutMs: 15 * minutes,
	});
	if (!ok.includes(r.code ?? -1))
		throw new Error(`${name}: exit ${r.code ?? r.signal}; ${r.log}:\n${await tail(r.log)}`);
	return r;
}
const git = (dir: string, ...args: string[]) =>
	step(`git-${args[0]}-${Date.now()}`, dir, "git", ["-c", "user.name=e2e", "-c", "user.email=e2e@localhost", ...args]);
const commit = async (dir: string, message: string) => {
	await git(dir, "add", "-A");
	await git(dir, "commit", "-qm", message);
};

/** Generates with a CLI (the older release's or today's) into root/<name>, then git init and a first commit. */
async function generate(cli: string, name: string, flags: string[], parent = root): Promise<string> {
	const dir = join(parent, name);
	await mkdir(parent, { recursive: true });
	await step(`${name}-generate`, parent, process.execPath, [cli, name, ...flags, "--yes", "--no-install", "--no-git"]);
	await git(dir, "init", "-q");
	await commit(dir, "generated");
	return dir;
}

/**
 * `update` or `add` with --json: the parsed result (stdout) and the exit code. An update fetches its base from the
 * local registry (and installs nothing: that registry has no other package); add uses the real one and installs.
 */
async function update(dir: string, args: string[], ok = [0]) {
	const local: Record<string, string> = args[0] === "update" ? { npm_config_registry: registryUrl } : {};
	const env = freshEnv({ ...local, CREATE_BACKEND_STARTER_CACHE: cache() });
	const log = join(root, `${dir.split("/").at(-1)}-${args[0]}.log`);
	const run = await exec(process.execPath, [cliPath, ...args, "--json"], { cwd: dir, env, maxBuffer: 64 << 20 }).then(
		(r) => ({ ...r, code: 0 }),
		(error: { stdout: string; stderr: string; code: number }) => error,
	);
	await writeFile(log, `${run.stderr}\n--- stdout\n${run.stdout}`);
	if (!ok.includes(run.code)) throw new Error(`${args.join(" ")}: exit ${run.code}; ${log}:\n${await tail(log)}`);
	return { code: run.code, result: JSON.parse(run.stdout) };
}

const ROUTE_REST = `import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

/** GET /ping: our own route, added after generation (internal: not in the API document). */
const ping: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/ping", { schema: { hide: true } }, async () => ({ pong: true }));
};

export default ping;
`;
const ROUTE_GRAPHQL = ROUTE_REST.replace("{ schema: { hide: true } }, ", "").replace(
	" (internal: not in the API document)",
	"",
);

const OUR_README_LINE = "> Staging deploys from the `main` branch.";

/** The edits a team makes after generating: a route file, a changed line, a dependency, a README section. */
async function userEdits(dir: string, api: string | undefined): Promise<void> {
	await writeFile(join(dir, "src/routes/ping.ts"), api === "rest" ? ROUTE_REST : ROUTE_GRAPHQL);
	const server = join(dir, "src/server.ts");
	const text = await readFile(server, "utf8");
	const line = "// Local development reads .env; real environment variables win over it.";
	expect(text).toContain(line);
	await writeFile(
		server,
		text.replace(line, "// Local development reads .env (ours: see docs/dev.md); real variables win."),
	);
	const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
	pkg.dependencies.ms = "^2.1.3";
	await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
	// A line right under the title, not a section at the end: an end section touches the template's last
	// lines, so it conflicts (as with git merge) whenever a release changes them, and this release's does.
	const readme = join(dir, "README.md");
	const [title, ...rest] = (await readFile(readme, "utf8")).split("\n");
	await writeFile(readme, [title, OUR_README_LINE, ...rest].join("\n"));
}

async function expectEditsKept(dir: string): Promise<void> {
	expect(await readFile(join(dir, "src/routes/ping.ts"), "utf8")).toContain("pong: true");
	expect(await readFile(join(dir, "src/server.ts"), "utf8")).toContain("(ours: see docs/dev.md)");
	expect(JSON.parse(await readFile(join(dir, "package.json"), "utf8")).dependencies.ms).toBe("^2.1.3");
	expect(await readFile(join(dir, "README.md"), "utf8")).toContain(`\n${OUR_README_LINE}\n`);
}

const install = (dir: string) =>
	step(`${dir.split("/").at(-1)}-install`, dir, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"]);
const script = (dir: string, name: string) => step(`${dir.split("/").at(-1)}-${name}`, dir, "npm", ["run", name]);
// The projects' own tests, with more time per test than their 30 s: next to other installs and test runs on a
// 2-core machine, `npm run db:migrate` run twice on embedded PGlite took 30+ s (26 s alone) in two of our runs.
const ownTests = (dir: string) =>
	step(`${dir.split("/").at(-1)}-test`, dir, "npm", ["test", "--", "--testTimeout=120000"]);

describe.concurrent("update from an older release of the built-in pack", () => {
	it.each(combos)(
		"$name: user edits kept, no conflict, installs, typechecks, lints and (sql) passes its own tests",
		async (combo) => {
			const dir = await generate(oldCli, `up-${combo.name}`, combo.flags);
			await userEdits(dir, combo.answers.api);
			await commit(dir, "our edits");
			const { result } = await update(dir, ["update", "--no-install"]);
			expect(result.conflicts).toEqual([]);
			expect(result.from.version).toMatch(/-e2e\./);
			expect(result.to.version).not.toMatch(/-e2e\./);
			const actions = new Set(result.files.map((f: { action: string }) => f.action));
			expect(actions.has("updated") || actions.has("merged")).toBe(true);
			await expectEditsKept(dir);
			const record = JSON.parse(await readFile(join(dir, "package.json"), "utf8")).createBackendStarter;
			expect(record.pack.version).toBe(result.to.version);
			await install(dir);
			await script(dir, "typecheck");
			await script(dir, "lint");
			if (combo.answers.db === "nosql") {
				console.log(`e2e update ${combo.name}: no MongoDB server here; typecheck and lint passed, own tests not run`);
			} else await ownTests(dir);
		},
	);

	it("one overlapping edit: exit 3, the conflict listed and marked in the file", async () => {
		const combo = combos.find((c) => c.answers.auth === "jwt") ?? combos[0];
		if (!combo) return;
		const dir = await generate(oldCli, `overlap-${combo.name}`, combo.flags);
		// The same project (same name) from today's pack, to find what the new version changes.
		const fresh = await generate(cliPath, `overlap-${combo.name}`, combo.flags, join(root, "today"));
		// A line of a file that the new version removes or rewrites: the user edits that very line.
		const tracked = (await git(dir, "ls-files")).output.split("\n").filter((f) => /\.(ts|md)$/.test(f));
		let file = "";
		let lines: string[] = [];
		let at = -1;
		for (const candidate of tracked) {
			const after = await readFile(join(fresh, candidate), "utf8").catch(() => undefined);
			if (after === undefined) continue;
			const now = after.split("\n");
			lines = (await readFile(join(dir, candidate), "utf8")).split("\n");
			at = lines.findIndex((line) => line.trim().length > 3 && !now.includes(line));
			if (at >= 0) {
				file = candidate;
				break;
			}
		}
		expect(file, "a file the new version changes").not.toBe("");
		lines[at] = "Our own words on this line.";
		await writeFile(join(dir, file), lines.join("\n"));
		await commit(dir, "overlapping edit");
		const { code, result } = await update(dir, ["update", "--no-install"], [3]);
		expect(code).toBe(3);
		expect(result.conflicts.map((c: { path: string }) => c.path)).toEqual([file]);
		const merged = await readFile(join(dir, file), "utf8");
		expect(merged).toContain("<<<<<<< yours\nOur own words on this line.\n");
		expect(merged).toMatch(/\n>>>>>>> create-backend-starter \S+\n/);
	});
});

describe.concurrent("add", () => {
	it("auth=jwt on an --auth none project with edits: edits kept, fresh JWT_SECRET, installs, tests, serves the auth contract", async () => {
		const dir = await generate(cliPath, "add-auth", ["--api", "rest", "--db", "sql", "--auth", "none"]);
		await userEdits(dir, "rest");
		await commit(dir, "our edits");
		const { result } = await update(dir, ["add", "auth=jwt"]);
		expect(result.conflicts).toEqual([]);
		expect(result.steps).toEqual([{ name: "install", status: "done", message: "npm install" }]);
		await expectEditsKept(dir);
		const env = await readFile(join(dir, ".env"), "utf8");
		const secret = /^JWT_SECRET=(\S+)$/m.exec(env)?.[1] ?? "";
		expect(secret.length).toBeGreaterThanOrEqual(43); // 32 random bytes, base64url
		const other = join(root, "add-auth-other");
		await step("add-auth-other", root, process.execPath, [cliPath, other, "--yes", "--no-install", "--no-git"]);
		expect(await readFile(join(other, ".env"), "utf8")).not.toContain(secret);
		await script(dir, "typecheck");
		await script(dir, "lint");
		await ownTests(dir);
		await script(dir, "build");
		const port = await freePort();
		const serverEnv = freshEnv({ PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "development" });
		let server: RunningServer | undefined;
		try {
			server = await startServer(dir, { env: serverEnv, log: join(root, "add-auth-server.log"), port });
			await waitForHealth(server);
			expect(await (await fetch(`${server.url}/ping`)).json()).toEqual({ pong: true });
			const contract = await runLogged(
				process.execPath,
				[clientPath, "--url", server.url, "--api", "rest", "--auth", "jwt", "--env", "development"],
				{ cwd: dir, env: freshEnv(), log: join(root, "add-auth-contract.log"), timeoutMs: 5 * minutes },
			);
			expect(contract.code, await tail(contract.log, 60)).toBe(0);
			expect(contract.output).toMatch(/^\d+ passed, 0 failed$/m);
		} finally {
			if (server) await stopServer(server);
		}
	});

	it("api=graphql on a fresh REST project: installs and passes its tests", async () => {
		const dir = await generate(cliPath, "add-graphql", ["--api", "rest", "--db", "sql", "--auth", "jwt"]);
		const { result } = await update(dir, ["add", "api=graphql"]);
		expect(result.conflicts).toEqual([]);
		expect(result.steps.map((s: { status: string }) => s.status)).toEqual(["done"]);
		expect(result.files).toContainEqual({ path: "src/plugins/graphql.ts", action: "added" });
		await script(dir, "typecheck");
		await ownTests(dir);
	});
});
