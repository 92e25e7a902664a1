// Generator security tests of docs/security.md (SEC-01..29) that the other test files do not already cover:
// targets that are files or symlinks, pack layers and hardlinks leading out of the pack,
// manifest errors, piped stdin, escaping of hostile names, a property-style fuzz of the name → folder function,
// per-project secrets, and install hooks in generated package.json files.
import { spawnSync } from "node:child_process";
import { existsSync, linkSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import validateName from "validate-npm-package-name";
import { describe, expect, it } from "vitest";
import { resolveTarget } from "../src/options.js";
import { BIN, cli, snapshot, tinyPack, tmp, writeTree } from "./helpers.js";

function workspace(extra = {}, manifest: Record<string, unknown> = {}) {
	const cwd = tmp();
	tinyPack(path.join(cwd, "pack"), extra, manifest);
	return cwd;
}
const gen = (cwd: string, ...args: string[]) => cli(["--pack", "./pack", "--no-install", "--no-git", ...args], cwd);

describe("SEC-08 the target is a file or a symlink", () => {
	it.each([
		["a file", (cwd: string) => writeFileSync(path.join(cwd, "app"), "keep me")],
		["a symlink to /etc", (cwd: string) => symlinkSync("/etc", path.join(cwd, "app"))],
		["a dangling symlink", (cwd: string) => symlinkSync("/nonexistent-cbs", path.join(cwd, "app"))],
		["a symlink to an empty folder outside", (cwd: string) => symlinkSync(sentinelOf(cwd), path.join(cwd, "app"))],
	])("%s: exit 2, nothing written, nothing followed", (_label, make) => {
		const cwd = workspace();
		const sentinel = sentinelOf(cwd);
		make(cwd);
		const before = snapshot(cwd);
		const sentinelBefore = snapshot(sentinel);
		const run = gen(cwd, "app");
		expect(run.code, run.stderr).toBe(2);
		expect(run.stderr.trim().split("\n")).toHaveLength(1);
		expect(snapshot(cwd)).toEqual(before);
		expect(snapshot(sentinel)).toEqual(sentinelBefore);
	});
});

const sentinels = new Map<string, string>();
/** An empty folder outside the workspace, one per workspace. */
function sentinelOf(cwd: string): string {
	let dir = sentinels.get(cwd);
	if (!dir) {
		dir = tmp();
		sentinels.set(cwd, dir);
	}
	return dir;
}

describe("SEC-16/17 packs cannot reach outside themselves", () => {
	it.each([["../outside"], ["../../etc"], ["/etc"], ["layers/../../outside"]])(
		"a layer dir %j is refused before anything is written",
		(dir) => {
			const cwd = workspace({}, { layers: [{ dir: "layers/base" }, { dir }] });
			writeTree(cwd, { "outside/evil.txt": "pwned" });
			const before = snapshot(cwd);
			const run = gen(cwd, "app");
			expect(run.code, run.stderr).toBe(2);
			expect(run.stderr).toContain(dir);
			expect(snapshot(cwd)).toEqual(before);
		},
	);

	it("a hardlink to a file outside the pack is refused or copied by content only", () => {
		const cwd = workspace();
		const secret = path.join(sentinelOf(cwd), "secret.txt");
		writeFileSync(secret, "outside secret\n");
		linkSync(secret, path.join(cwd, "pack/layers/base/linked.txt"));
		const run = gen(cwd, "app");
		if (run.code === 0) {
			// Copied by content: the generated file is a new inode, so writes to it never reach the outside file.
			const out = path.join(cwd, "app/linked.txt");
			expect(statSync(out).ino).not.toBe(statSync(secret).ino);
			expect(statSync(out).nlink).toBe(1);
		} else {
			expect(run.code).toBe(2);
			expect(run.stderr).toMatch(/linked\.txt/);
		}
		expect(readFileSync(secret, "utf8")).toBe("outside secret\n");
	});
});

describe("SEC-20 manifest errors", () => {
	it.each([
		["invalid JSON", "{ not json", /pack\.json/],
		["missing layers", JSON.stringify({ name: "x" }), /layers/],
		["layers not a list", JSON.stringify({ name: "x", layers: "layers/base" }), /layers/],
		["a missing layer folder", JSON.stringify({ name: "x", layers: [{ dir: "layers/nope" }] }), /layers\/nope/],
		[
			"an option without choices",
			JSON.stringify({ name: "x", options: [{ name: "api" }], layers: [] }),
			/\/options\/0/,
		],
	])("%s: exit 2 naming the problem, nothing written", (_label, manifest, message) => {
		const cwd = workspace();
		writeFileSync(path.join(cwd, "pack/pack.json"), manifest);
		const before = snapshot(cwd);
		const run = gen(cwd, "app");
		expect(run.code, run.stderr).toBe(2);
		expect(run.stderr).toMatch(message);
		expect(snapshot(cwd)).toEqual(before);
	});

	it("no manifest at all: exit 2", () => {
		const cwd = workspace();
		spawnSync("rm", [path.join(cwd, "pack/pack.json")]);
		const run = gen(cwd, "app");
		expect(run.code).toBe(2);
		expect(existsSync(path.join(cwd, "app"))).toBe(false);
	});
});

describe("SEC-05/22 terminals and pipes", () => {
	it("answers piped into stdin are not taken as a name: no hang, exit 2", () => {
		const cwd = workspace();
		const run = spawnSync(process.execPath, [BIN, "--pack", "./pack", "--no-install", "--no-git"], {
			cwd,
			input: "y\nmy-app\n",
			encoding: "utf8",
			env: { ...process.env, CI: "", NO_COLOR: "1" },
			timeout: 15_000,
		});
		expect(run.signal).toBeNull(); // it did not hang until the timeout
		expect(run.status).toBe(2);
		expect(readdirSync(cwd)).toEqual(["pack"]);
	});

	it.each([["\x1b[31mred"], ["\x1b]0;title\x07"], ["a\nb"], ["\u202eevil"]])(
		"the hostile name %j is echoed escaped: no raw control characters on the terminal",
		(name) => {
			const cwd = workspace();
			const run = gen(cwd, name);
			expect(run.code).toBe(2);
			const raw = [...run.stderr.trimEnd()].filter((c) => {
				const code = c.codePointAt(0) ?? 0;
				return (code < 0x20 && c !== "\n" && c !== "\t") || code === 0x7f || code === 0x202e;
			});
			expect(raw).toEqual([]);
			expect(run.stderr.trim().split("\n")).toHaveLength(1);
		},
	);
});

describe("SEC-23 name → folder fuzz (seeded, 5 000 cases)", () => {
	it("every accepted name is valid for new npm packages and its folder stays inside the current one", () => {
		let seed = 0x5eed;
		const random = () => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return seed / 0x7fffffff;
		};
		const alphabet = [
			..."abcxyz019-_.~!*'()@/\\ %$:;<>|?\"`",
			"\u0000",
			"\x1b",
			"\u202e",
			"é",
			"𝔞",
			"Ａ",
			"..",
			"../",
			"/",
		];
		const cwd = "/work/fuzz";
		let accepted = 0;
		for (let i = 0; i < 5000; i++) {
			const length = 1 + Math.floor(random() * 12);
			let input = "";
			for (let j = 0; j < length; j++) input += alphabet[Math.floor(random() * alphabet.length)];
			let result: { dir: string; name: string } | undefined;
			try {
				result = resolveTarget(input, undefined, cwd);
			} catch (error) {
				expect((error as Error).message.length, input).toBeGreaterThan(0);
				continue;
			}
			accepted += 1;
			expect(validateName(result.name).validForNewPackages, JSON.stringify(input)).toBe(true);
			if (path.isAbsolute(input)) {
				// an absolute directory is the user's explicit choice (CONTRACT.md); it must be exactly that one
				expect(result.dir).toBe(path.resolve(input));
			} else {
				const rel = path.relative(cwd, result.dir);
				expect(rel.startsWith(".."), JSON.stringify(input)).toBe(false);
				expect(path.isAbsolute(rel)).toBe(false);
			}
			expect(result.name.length).toBeLessThanOrEqual(214);
		}
		expect(accepted).toBeGreaterThan(50); // the generator produced some valid names too
	});
});

describe("SEC-24/25 generated secrets and package.json (built-in pack)", () => {
	const generate = (cwd: string, name: string, ...flags: string[]) =>
		cli([name, "--no-install", "--no-git", "--yes", ...flags], cwd);

	it("each project gets its own strong JWT_SECRET; .env is 0600 and git-ignored; .env.example holds placeholders", () => {
		const cwd = tmp();
		expect(generate(cwd, "one", "--auth", "jwt").code).toBe(0);
		expect(generate(cwd, "two", "--auth", "jwt").code).toBe(0);
		const secretOf = (dir: string) =>
			/^JWT_SECRET=(.*)$/m.exec(readFileSync(path.join(cwd, dir, ".env"), "utf8"))?.[1] ?? "";
		const [one, two] = [secretOf("one"), secretOf("two")];
		expect(one).toMatch(/^[A-Za-z0-9_-]{43,}$/);
		expect(two).toMatch(/^[A-Za-z0-9_-]{43,}$/);
		expect(one).not.toBe(two);
		expect(statSync(path.join(cwd, "one/.env")).mode & 0o777).toBe(0o600);
		expect(readFileSync(path.join(cwd, "one/.gitignore"), "utf8")).toMatch(/^\.env$/m);
		const example = readFileSync(path.join(cwd, "one/.env.example"), "utf8");
		expect(example).not.toContain(one);
		expect(/^JWT_SECRET=(.*)$/m.exec(example)?.[1]).toMatch(/change-me|placeholder|^$/);
	});

	it.each([
		["rest", "sql", "jwt"],
		["graphql", "nosql", "none"],
	])("--api %s --db %s --auth %s: a valid name and no install-time scripts", (api, db, auth) => {
		const cwd = tmp();
		const run = generate(cwd, "hooks", "--api", api, "--db", db, "--auth", auth);
		expect(run.code, run.stderr).toBe(0);
		const pkg = JSON.parse(readFileSync(path.join(cwd, "hooks/package.json"), "utf8"));
		expect(validateName(pkg.name).validForNewPackages).toBe(true);
		for (const hook of ["preinstall", "install", "postinstall", "prepare", "prepublish"]) {
			expect(pkg.scripts?.[hook], hook).toBeUndefined();
		}
		for (const range of Object.values({ ...pkg.dependencies, ...pkg.devDependencies }) as string[]) {
			expect(range).toMatch(/^\^?\d+\.\d+\.\d+/); // registry versions only: no git, file or URL dependencies
		}
	});
});
