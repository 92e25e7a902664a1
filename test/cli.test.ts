import { spawn, spawnSync } from "node:child_process";
import {
	chmodSync,
	closeSync,
	copyFileSync,
	existsSync,
	linkSync,
	mkdirSync,
	openSync,
	readdirSync,
	readFileSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, cli, readTree, snapshot, tinyPack, tmp, writeTree } from "./helpers.js";

/** How a project's recorded command starts: npx and this very version of the package. */
const RUN_THIS_VERSION = `npx @backend-starter/create@${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}`;

/** The state letter of a process (R running, S sleeping, Z zombie …), or "gone". */
function runningState(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] ?? "gone";
	} catch {
		return "gone";
	}
}

/** A working folder holding the tiny pack in ./pack; tests generate beside it. */
function workspace(extra = {}) {
	const cwd = tmp();
	tinyPack(path.join(cwd, "pack"), extra);
	return cwd;
}
const gen = (cwd: string, ...args: string[]) => cli(["--pack", "./pack", "--no-install", "--no-git", ...args], cwd);

describe("generating without a terminal", () => {
	it("creates the project with defaults, prints the next steps and exits 0", () => {
		const cwd = workspace();
		const run = gen(cwd, "my-app", "--yes");
		expect(run.code).toBe(0);
		expect(run.stdout).toContain("Done. Now run:\n\n  cd my-app\n  npm install\n  npm run dev\n");
		expect(Object.keys(readTree(path.join(cwd, "my-app")))).toEqual([
			".env",
			".env.example",
			".gitignore",
			"package.json",
			"src/index.ts",
		]);
		expect(statSync(path.join(cwd, "my-app/.env")).mode & 0o777).toBe(0o600);
		const pkg = JSON.parse(readFileSync(path.join(cwd, "my-app/package.json"), "utf8"));
		expect(pkg.createBackendStarter.command).toBe(`${RUN_THIS_VERSION} my-app --pack ./pack --api rest --db sql --yes`);
		expect(run.stdout.includes("\u001b[")).toBe(false); // NO_COLOR and no TTY: no ANSI codes
	});

	it("takes defaults for options without --yes, but needs the directory (exit 2 naming the argument)", () => {
		const cwd = workspace();
		const before = snapshot(cwd);
		const run = gen(cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/^error: missing the project directory: pass it as the first argument/m);
		expect(snapshot(cwd)).toEqual(before);
		const withYes = gen(cwd, "--yes");
		expect(withYes.code).toBe(2);
		expect(withYes.stderr).toMatch(/--yes takes the default for every option, but not for the directory/);
		expect(snapshot(cwd)).toEqual(before);
	});

	it("never waits for input with stdin from /dev/null, even without CI", () => {
		const cwd = workspace();
		const run = spawnSync(process.execPath, [BIN, "--pack", "./pack"], {
			cwd,
			stdio: ["ignore", "pipe", "pipe"],
			encoding: "utf8",
			timeout: 15_000,
			env: { ...process.env, CI: "" },
		});
		expect(run.status).toBe(2);
	});

	it("takes precedence defaults < preset < flags", () => {
		const cwd = workspace();
		writeFileSync(path.join(cwd, "preset.json"), JSON.stringify({ api: "graphql", db: "nosql" }));
		const run = gen(cwd, "app", "--preset", "preset.json", "--db", "sql", "--json");
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout).answers).toEqual({ api: "graphql", db: "sql" });
	});

	it("uses --name for the package and accepts a scoped directory", () => {
		const cwd = workspace();
		expect(gen(cwd, "@acme/api", "--yes").code).toBe(0);
		expect(JSON.parse(readFileSync(path.join(cwd, "api/package.json"), "utf8")).name).toBe("@acme/api");
		expect(gen(cwd, "svc", "--name", "@acme/svc").code).toBe(0);
		expect(JSON.parse(readFileSync(path.join(cwd, "svc/package.json"), "utf8")).name).toBe("@acme/svc");
	});

	it("accepts an absolute directory and names the project after its last segment", () => {
		const cwd = workspace();
		const elsewhere = path.join(tmp(), "abs-app");
		expect(gen(cwd, elsewhere).code).toBe(0);
		expect(JSON.parse(readFileSync(path.join(elsewhere, "package.json"), "utf8")).name).toBe("abs-app");
	});

	// Output to a pipe or a file is written without Node's stdout stream (src/log.ts); FORCE_COLOR goes through it.
	it("writes the same text to a file as to a pipe, and colours with FORCE_COLOR", () => {
		const cwd = workspace();
		const env = { ...process.env, CI: "1", NO_COLOR: undefined, FORCE_COLOR: undefined, npm_config_user_agent: "" };
		const args = [BIN, "--pack", "./pack", "--no-install", "--no-git", "--yes"];
		const piped = spawnSync(process.execPath, [...args, "piped"], { cwd, encoding: "utf8", env });
		const file = path.join(cwd, "out.txt");
		const fd = openSync(file, "w");
		const toFile = spawnSync(process.execPath, [...args, "to-file"], { cwd, stdio: ["ignore", fd, "pipe"], env });
		closeSync(fd);
		expect([piped.status, toFile.status]).toEqual([0, 0]);
		expect(piped.stdout).toContain("Wrote 5 files\n\nDone. Now run:\n\n  cd piped\n");
		expect(readFileSync(file, "utf8")).toBe(piped.stdout.replaceAll("piped", "to-file"));
		expect(piped.stdout.includes("\u001b[")).toBe(false);
		const forced = spawnSync(process.execPath, [...args, "forced"], {
			cwd,
			encoding: "utf8",
			env: { ...env, FORCE_COLOR: "1" },
		});
		expect(forced.status).toBe(0);
		expect(forced.stdout).toContain("\u001b[32mDone.\u001b[39m Now run:");
		const failed = spawnSync(process.execPath, [...args, "forced"], {
			cwd,
			encoding: "utf8",
			env: { ...env, FORCE_COLOR: "1" },
		});
		expect(failed.status).toBe(2);
		expect(failed.stderr.startsWith("\u001b[31merror:\u001b[39m ")).toBe(true);
		expect(failed.stderr).toContain("forced is not empty");
	});
});

describe("flags are read once, by yargs (issue 14)", () => {
	it("--json=true prints the JSON object, --verbose=true lists the files, --no-json prints text", () => {
		const cwd = workspace();
		const json = gen(cwd, "one", "--json=true");
		expect(json.code).toBe(0);
		expect(JSON.parse(json.stdout)).toMatchObject({ name: "one", answers: { api: "rest", db: "sql" } });
		const verbose = gen(cwd, "two", "--verbose=true");
		expect(verbose.code).toBe(0);
		expect(verbose.stdout).toMatch(/wrote src\/index\.ts/);
		const text = gen(cwd, "three", "--no-json");
		expect(text.stdout).toContain("Done. Now run:");
	});

	it("a pack without options says where it creates the project, with no empty list of answers", () => {
		const cwd = tmp();
		writeTree(path.join(cwd, "pack"), {
			"pack.json": JSON.stringify({ name: "bare", layers: [{ dir: "l" }] }),
			"l/a.txt": "a\n",
		});
		const run = gen(cwd, "app");
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/^◇ Creating app in app$/m);
	});

	it("a file in one layer and a folder of the same name in a later one: pack check fails, generating refuses", () => {
		const cwd = workspace({ "layers/base/docs": "a file\n", "layers/gql/docs/guide.md": "a folder\n" });
		const check = cli(["pack", "check", "./pack"], cwd);
		expect(check.code).toBe(1);
		expect(check.stderr).toMatch(
			/^api=graphql db=sql: invalid pack: "docs" is a file in tiny\/layers\/base and a folder in tiny\/layers\/gql$/m,
		);
		expect(check.stderr).toMatch(/2 of 4 combinations of tiny failed to render/);
		const before = snapshot(cwd);
		const run = gen(cwd, "app", "--api", "graphql");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/"docs" is a file in tiny\/layers\/base and a folder in tiny\/layers\/gql/);
		expect(snapshot(cwd)).toEqual(before);
	});
});

describe("bad usage exits 2 and writes nothing", () => {
	it.each([
		[["app", "--api", "soap"], /--api "soap" is not a choice \(choices: rest, graphql\)/],
		[["app", "--api"], /--api needs a value \(choices: rest, graphql\)/],
		[["app", "--api", "rest", "--api", "graphql"], /--api was given twice with different values \(rest, graphql\)/],
		[["app", "--install", "--no-install"], /--install was given twice with different values/],
		[["app", "--dbb", "sql"], /Unknown argument: --dbb; did you mean --db\?/],
		[["app", "--pm", "pip"], /choices: npm, pnpm, yarn, bun/],
		[["app", "extra"], /Unknown argument: extra/],
		[
			["MyApp"],
			/invalid project name "MyApp" \(the directory's last segment\): name can no longer contain capital letters/,
		],
		[["../evil"], /directory "\.\.\/evil" leads outside the current folder/],
		[["--", "--help"], /invalid project name "--help".*cannot start with a hyphen/],
		[["app", "--preset", "nope.json"], /cannot read preset "nope.json"/],
		[["app", "--name", "Bad Name"], /invalid project name "Bad Name" \(--name\)/],
		[["app", "--pack", "./missing-pack"], /pack "\.\/missing-pack" not found/],
	])("%j", (args, message) => {
		const cwd = workspace();
		const before = snapshot(cwd);
		const run = cli(args.includes("--pack") ? args : ["--pack", "./pack", ...args], cwd);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(message);
		expect(run.stderr.trim().split("\n")).toHaveLength(1); // one line, no stack
		expect(snapshot(cwd)).toEqual(before);
	});

	it("prints the stack with --verbose", () => {
		const run = gen(workspace(), "MyApp", "--verbose");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/UserError: invalid project name[\s\S]*at /);
	});

	it("prints a JSON error object on stdout with --json", () => {
		const run = gen(workspace(), "MyApp", "--json");
		expect(run.code).toBe(2);
		expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: 2, error: expect.stringMatching(/capital letters/) });
	});

	it("reports an invalid pack naming the file and key", () => {
		const cwd = workspace();
		writeFileSync(path.join(cwd, "pack/pack.json"), JSON.stringify({ name: "x", layers: [], bogus: 1 }));
		const run = gen(cwd, "app");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/invalid pack: .*pack\/pack\.json: \(top level\): unknown key "bogus"/);
		expect(existsSync(path.join(cwd, "app"))).toBe(false);
	});

	it("refuses a pack whose file is a symlink leading out of it, before writing anything", () => {
		const cwd = workspace({ "layers/base/passwd": { symlink: "/etc/passwd" } });
		const before = snapshot(cwd);
		const run = gen(cwd, "app");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/tiny\/layers\/base\/passwd is a symlink leading outside the pack/);
		expect(snapshot(cwd)).toEqual(before);
	});
});

describe("existing targets", () => {
	it("refuses a non-empty folder without --force, listing what is there, changing nothing", () => {
		const cwd = workspace();
		writeTree(cwd, { "app/package.json": "{}", "app/.env": "KEEP=1\n", "app/src/x.ts": "" });
		const before = snapshot(cwd);
		const run = gen(cwd, "app");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(
			/app is not empty \(".env", "package.json", "src"\); choose another directory, or pass --force/,
		);
		expect(snapshot(cwd)).toEqual(before);
	});

	it("with --force writes into it, lists overwritten files and deletes nothing", () => {
		const cwd = workspace();
		writeTree(cwd, { "app/package.json": "{}", "app/.env": "KEEP=1\n", "app/notes.txt": "mine\n" });
		const run = gen(cwd, "app", "--force", "--json");
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout).overwritten).toEqual([".env", "package.json"]);
		expect(run.stderr).toMatch(/overwrote \.env/);
		expect(readFileSync(path.join(cwd, "app/notes.txt"), "utf8")).toBe("mine\n");
		expect(readFileSync(path.join(cwd, "app/src/index.ts"), "utf8")).toContain("app");
	});

	it("with --force refuses to write through a symlinked folder inside the target", () => {
		const cwd = workspace();
		const outside = tmp();
		writeTree(cwd, { "app/keep.txt": "" });
		symlinkSync(outside, path.join(cwd, "app/src"));
		const before = snapshot(cwd);
		const run = gen(cwd, "app", "--force");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/cannot write src\/index\.ts: src in .*app is not a folder/);
		expect(snapshot(cwd)).toEqual(before);
		expect(readdirSync(outside)).toEqual([]);
	});

	it("two runs for the same target at once: one wins, the other exits 2 (SEC-14)", async () => {
		const extra = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`layers/base/many/f${i}.txt`, "x"]));
		const cwd = workspace(extra);
		const start = () =>
			new Promise<number | null>((resolve) => {
				const child = spawn(process.execPath, [BIN, "--pack", "./pack", "app", "--no-install", "--no-git"], {
					cwd,
					stdio: "ignore",
					env: { ...process.env, CI: "1" },
				});
				child.on("exit", resolve);
			});
		const codes = await Promise.all([start(), start()]);
		expect(codes.sort()).toEqual([0, 2]);
		expect(readdirSync(cwd).sort()).toEqual(["app", "pack"]);
	});

	it("uses an existing empty folder", () => {
		const cwd = workspace();
		mkdirSync(path.join(cwd, "app"));
		const inode = statSync(path.join(cwd, "app")).ino;
		expect(gen(cwd, "app").code).toBe(0);
		expect(existsSync(path.join(cwd, "app/package.json"))).toBe(true);
		expect(statSync(path.join(cwd, "app")).ino).toBe(inode); // the same folder, not a replacement
		expect(readdirSync(cwd).filter((e) => e.includes(".cbs-"))).toEqual([]);
	});

	it("counts a folder holding only version-control metadata as empty (git init, then scaffold into it)", () => {
		const cwd = workspace();
		const app = path.join(cwd, "app");
		mkdirSync(path.join(app, ".git"), { recursive: true });
		writeFileSync(path.join(app, ".git/HEAD"), "ref: refs/heads/main\n");
		writeFileSync(path.join(app, ".DS_Store"), "x");
		const run = cli(["--pack", "./pack", "app", "--no-install"], cwd);
		expect(run.code).toBe(0);
		expect(existsSync(path.join(app, "package.json"))).toBe(true);
		expect(readFileSync(path.join(app, ".git/HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
		// Anything else still needs --force, and the message names only what blocks.
		mkdirSync(path.join(cwd, "other/.git"), { recursive: true });
		writeFileSync(path.join(cwd, "other/notes.txt"), "mine");
		const refused = gen(cwd, "other");
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/other is not empty \("notes\.txt"\)/);
	});

	it("never lets the project replace metadata it was moved in beside", () => {
		const cwd = workspace({ "layers/base/.DS_Store": "from the pack" });
		mkdirSync(path.join(cwd, "app"));
		writeFileSync(path.join(cwd, "app/.DS_Store"), "mine");
		const run = gen(cwd, "app");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/already has "\.DS_Store"; pass --force/);
		expect(readdirSync(path.join(cwd, "app"))).toEqual([".DS_Store"]);
		expect(readFileSync(path.join(cwd, "app/.DS_Store"), "utf8")).toBe("mine");
	});

	it("creates the project in the current folder with `.` when it is empty", () => {
		const cwd = workspace();
		const here = path.join(cwd, "here-app");
		mkdirSync(here);
		const run = cli(["--pack", "../pack", ".", "--no-install", "--no-git"], here);
		expect(run.code).toBe(0);
		expect(JSON.parse(readFileSync(path.join(here, "package.json"), "utf8")).name).toBe("here-app");
		expect(cli(["--pack", "../pack", ".", "--no-install", "--no-git"], here).stderr).toMatch(/is not empty/);
	});

	it.each([
		["a file", (p: string) => writeFileSync(p, "x"), /exists and is not a folder/],
		["a symlink to a folder", (p: string) => symlinkSync(tmp(), p), /is a symlink/],
		["a dangling symlink", (p: string) => symlinkSync("/nonexistent", p), /is a symlink/],
	])("refuses a target that is %s (exit 2, nothing written)", (_, make, message) => {
		const cwd = workspace();
		make(path.join(cwd, "app"));
		const before = snapshot(cwd);
		const run = gen(cwd, "app");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(message);
		expect(snapshot(cwd)).toEqual(before);
	});
});

describe("--dry-run and --json", () => {
	it("--dry-run prints each path with its layer and writes nothing", () => {
		const cwd = workspace();
		const before = snapshot(cwd);
		const run = gen(cwd, "app", "--api", "graphql", "--dry-run");
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/src\/schema\.graphql\s+\(tiny\/layers\/gql\)/);
		expect(run.stdout).toMatch(/package\.json\s+\(tiny\/layers\/base \+ tiny\/layers\/gql\)/);
		expect(snapshot(cwd)).toEqual(before);
	});

	it("--dry-run still refuses a non-empty target (exit 2)", () => {
		const cwd = workspace();
		writeTree(cwd, { "app/x": "" });
		const run = gen(cwd, "app", "--dry-run");
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/is not empty/);
	});

	it("--json prints exactly one JSON object on stdout with directory, answers, files and steps", () => {
		const cwd = workspace();
		const run = gen(cwd, "app", "--json");
		expect(run.code).toBe(0);
		const out = JSON.parse(run.stdout);
		expect(out).toMatchObject({
			directory: path.join(cwd, "app"),
			name: "app",
			answers: { api: "rest", db: "sql" },
			steps: [],
		});
		expect(out.files.map((f: { path: string }) => f.path)).toContain("src/index.ts");
		expect(run.stderr).toMatch(/Creating app/);
	});

	it("determinism: the same answers give the same files apart from .env", () => {
		const cwd = workspace();
		gen(cwd, "one", "--api", "graphql");
		gen(cwd, "two", "--api", "graphql", "--name", "one");
		const strip = (dir: string) =>
			Object.fromEntries(Object.entries(readTree(path.join(cwd, dir))).filter(([k]) => k !== ".env"));
		const two = strip("two");
		two["package.json"] = String(two["package.json"]).replace(
			`${RUN_THIS_VERSION} two --name one`,
			`${RUN_THIS_VERSION} one`,
		);
		expect(two).toEqual(strip("one"));
	});

	it("--help lists the pack's options and choices; --version prints the version", () => {
		const cwd = workspace();
		const help = cli(["--pack", "./pack", "--help"], cwd);
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(/--api <rest\|graphql>\s+API\? \(default: rest\)\n/);
		expect(help.stdout).toMatch(/pack check <pack>/);
		expect(help.stderr).toBe(""); // nothing on stderr (yargs once warned of "version" as a reserved word)
		const version = cli(["--version"], cwd);
		expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(BIN, "../../package.json"), "utf8")).version);
	});
});

describe("post steps", () => {
	it("creates a git repository with a first commit even without a configured identity", () => {
		const cwd = workspace();
		const home = tmp();
		const run = cli(["--pack", "./pack", "app", "--no-install"], cwd, {
			HOME: home,
			GIT_CONFIG_NOSYSTEM: "1",
			GIT_CEILING_DIRECTORIES: cwd,
		});
		expect(run.code).toBe(0);
		const log = spawnSync("git", ["log", "--format=%an %s"], { cwd: path.join(cwd, "app"), encoding: "utf8" });
		expect(log.stdout.trim()).toBe("create-backend-starter Initial commit from create-backend-starter");
	});

	it("skips git with a warning inside an existing repository", () => {
		const cwd = workspace();
		spawnSync("git", ["init", "-q"], { cwd });
		const run = cli(["--pack", "./pack", "app", "--no-install"], cwd);
		expect(run.code).toBe(0);
		expect(run.stderr).toMatch(/skipping git: the folder is already inside a git repository/);
		expect(existsSync(path.join(cwd, "app/.git"))).toBe(false);
	});

	it("a failed install leaves the project, says what to run by hand and exits 1", () => {
		const cwd = workspace({ "fake-bin/npm": "#!/bin/sh\necho fake npm output\nexit 3\n" });
		chmodSync(path.join(cwd, "pack/fake-bin/npm"), 0o755);
		const run = cli(["--pack", "./pack", "app", "--no-git", "--pm", "npm"], cwd, {
			PATH: `${path.join(cwd, "pack/fake-bin")}:${process.env.PATH}`,
		});
		expect(run.stdout).toContain("fake npm output"); // live output of the install is shown
		expect(run.code).toBe(1);
		expect(run.stderr).toMatch(
			/npm install exited with 3; the project is in place, finish by hand with: cd app && npm install/,
		);
		expect(existsSync(path.join(cwd, "app/package.json"))).toBe(true);
	});
});

describe("interruptions and failures leave nothing behind", () => {
	it("removes a staging folder left by a killed run (SEC-11) and says so", () => {
		const cwd = workspace();
		const deadPid = spawnSync("true").pid;
		writeTree(cwd, { [`.app.cbs-${deadPid}-abcdef/half.txt`]: "" });
		const run = gen(cwd, "app", "--verbose");
		expect(run.code).toBe(0);
		expect(run.stderr).toMatch(new RegExp(`removed \\.app\\.cbs-${deadPid}-abcdef, left behind by an interrupted run`));
		expect(run.stdout).toMatch(/wrote src\/index\.ts/);
		expect(readdirSync(cwd).sort()).toEqual(["app", "pack"]);
	});

	it.each([
		["SIGINT", 130],
		["SIGTERM", 143],
	] as const)("%s while writing exits %i and removes the staging folder", async (signal, expected) => {
		// Thousands of files make the write phase long enough to interrupt it.
		const extra = Object.fromEntries(
			Array.from({ length: 6000 }, (_, i) => [`layers/base/many/f${i}.txt`, "x".repeat(2000)]),
		);
		const cwd = workspace(extra);
		const before = snapshot(cwd);
		const child = spawn(process.execPath, [BIN, "--pack", "./pack", "app", "--no-install", "--no-git"], {
			cwd,
			stdio: ["ignore", "pipe", "pipe"],
			env: { ...process.env, CI: "1" },
		});
		let stderr = "";
		child.stderr.on("data", (d) => {
			stderr += d;
		});
		const staged = await new Promise<boolean>((resolve) => {
			const timer = setInterval(() => {
				if (readdirSync(cwd).some((e) => e.startsWith(".app.cbs-"))) {
					clearInterval(timer);
					child.kill(signal);
					resolve(true);
				}
			}, 2);
			child.on("exit", () => {
				clearInterval(timer);
				resolve(false);
			});
		});
		const code = await new Promise((resolve) =>
			child.exitCode !== null ? resolve(child.exitCode) : child.on("exit", (c) => resolve(c)),
		);
		expect(staged).toBe(true);
		expect(`${code} ${stderr}`).toMatch(new RegExp(`^${expected} `));
		expect(stderr).toMatch(/Aborted; nothing was created/);
		expect(snapshot(cwd)).toEqual(before);
	});

	it("Ctrl-C during the install keeps the project and says how to finish by hand", async () => {
		const cwd = workspace();
		// A stand-in for npm that announces itself and then hangs, as a slow install does.
		const bin = path.join(cwd, "bin");
		mkdirSync(bin);
		const started = path.join(cwd, "npm-started");
		writeFileSync(path.join(bin, "npm"), `#!/bin/sh\necho $$ > "${started}"\nexec sleep 60\n`);
		chmodSync(path.join(bin, "npm"), 0o755);
		const child = spawn(process.execPath, [BIN, "--pack", "./pack", "app", "--no-git"], {
			cwd,
			stdio: ["ignore", "pipe", "pipe"],
			env: { ...process.env, CI: "1", PATH: `${bin}${path.delimiter}${process.env.PATH}`, npm_config_user_agent: "" },
		});
		let stderr = "";
		child.stderr.on("data", (d) => {
			stderr += d;
		});
		const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
		while (!existsSync(started) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
		child.kill("SIGINT");
		expect(await exited).toBe(130);
		expect(stderr).toContain("Aborted; the project is in place, finish by hand with: cd app && npm install");
		expect(existsSync(path.join(cwd, "app/package.json"))).toBe(true);
		// The hanging install does not outlive the tool (execa stops its child when the tool exits).
		const npmPid = Number(readFileSync(started, "utf8"));
		await new Promise((r) => setTimeout(r, 500));
		expect(runningState(npmPid)).not.toMatch(/^[RSD]$/); // gone, or a zombie waiting for init to reap it
	});

	it("a full disk exits 1 with ENOSPC and leaves nothing (tmpfs of 64 KiB)", (ctx) => {
		const dir = tmp();
		const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { encoding: "utf8" });
		if (mount.status !== 0) {
			console.log(`skipped disk-full test: mount is not permitted (${mount.stderr.trim()})`);
			ctx.skip();
		}
		try {
			const cwd = workspace({ "layers/base/big.txt": "y".repeat(200_000) });
			// Nested: the folders created for the parent must go too.
			const run = gen(cwd, path.join(dir, "deep/er/app"));
			expect(run.code).toBe(1);
			expect(run.stderr).toMatch(/cannot write to .*app: no space left on device \(ENOSPC\); nothing was created/);
			expect(readdirSync(dir)).toEqual([]);
		} finally {
			spawnSync("umount", [dir]);
		}
	});

	it("a read-only file system exits 1 with EROFS and leaves nothing", (ctx) => {
		const dir = tmp();
		if (spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir]).status !== 0) {
			console.log("skipped read-only test: mount is not permitted");
			ctx.skip();
		}
		try {
			const run = gen(workspace(), path.join(dir, "app"));
			expect(run.code).toBe(1);
			expect(run.stderr).toMatch(/cannot write to .*: read-only file system \(EROFS\); nothing was created/);
			expect(readdirSync(dir)).toEqual([]);
		} finally {
			spawnSync("umount", [dir]);
		}
	});

	it("an unwritable parent exits 1 with a clear message and leaves nothing (run as nobody)", (ctx) => {
		const runuser = spawnSync("runuser", ["-u", "nobody", "--", "true"]);
		if (runuser.status !== 0) {
			console.log("skipped unwritable-parent test: runuser -u nobody is not available");
			ctx.skip();
		}
		const cwd = workspace();
		chmodSync(cwd, 0o755);
		// Our Node may live below /root, which nobody cannot enter: use a link (or copy) of it in the workspace.
		const node = path.join(cwd, "node");
		try {
			linkSync(process.execPath, node);
		} catch {
			copyFileSync(process.execPath, node);
		}
		mkdirSync(path.join(cwd, "ro"), { mode: 0o555 });
		chmodSync(path.join(cwd, "ro"), 0o555);
		const run = spawnSync(
			"runuser",
			["-u", "nobody", "--", node, BIN, "--pack", "./pack", "ro/app", "--no-install", "--no-git"],
			{ cwd, encoding: "utf8", env: { ...process.env, CI: "1", NO_COLOR: "1", HOME: "/tmp" } },
		);
		expect(run.status).toBe(1);
		expect(run.stderr).toMatch(/cannot write to .*ro\/app: permission denied \(EACCES\); nothing was created/);
		expect(readdirSync(path.join(cwd, "ro"))).toEqual([]);
	});
});
