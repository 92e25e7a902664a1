import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const BIN = path.join(ROOT, "bin", "create-backend-starter.js");

const made: string[] = [];
afterEach(() => {
	for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test. */
export function tmp(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), "cbs-test-"));
	made.push(dir);
	return dir;
}

export type Tree = Record<string, string | Buffer | { symlink: string }>;

/** Writes files (and symlinks) below root, copier's build_file_tree style. */
export function writeTree(root: string, tree: Tree): string {
	for (const [rel, content] of Object.entries(tree)) {
		const file = path.join(root, rel);
		mkdirSync(path.dirname(file), { recursive: true });
		if (typeof content === "object" && "symlink" in content) symlinkSync(content.symlink, file);
		else writeFileSync(file, content);
	}
	return root;
}

/** A small pack: two options, a gated layer, package.json fragments, env fragments, an EJS file and a dotfile. */
export function tinyPack(root: string, extra: Tree = {}, manifest: Record<string, unknown> = {}): string {
	return writeTree(root, {
		"pack.json": JSON.stringify({
			name: "tiny",
			options: [
				{ name: "api", message: "API?", choices: ["rest", "graphql"], default: "rest" },
				{ name: "db", message: "DB?", choices: ["sql", "nosql"], default: "sql" },
			],
			layers: [{ dir: "layers/base" }, { dir: "layers/gql", when: { api: "graphql" } }],
			nextSteps: ["dev"],
			...manifest,
		}),
		"layers/base/package.json": JSON.stringify({ scripts: { dev: "node ." }, dependencies: { a: "1" } }),
		"layers/base/src/index.ts.ejs": "export const name = '<%= projectName %>'; // <%= api %> <%= db %>\n",
		"layers/base/_gitignore": "node_modules\n.env\n",
		"layers/base/_env.ejs": "SECRET=<%= randomSecret() %>\n",
		"layers/base/_env.example": "SECRET=change-me\n",
		"layers/gql/package.json": JSON.stringify({ dependencies: { graphql: "16" } }),
		"layers/gql/_env.example": "GRAPHQL=1\n",
		"layers/gql/src/schema.graphql": "type Query { ok: Boolean }\n",
		...extra,
	});
}

export interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs the built CLI with no terminal (stdin from /dev/null) and CI set, as a script would. */
export function cli(args: string[], cwd: string, env: Record<string, string> = {}): Run {
	const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [BIN, ...args], {
		cwd,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, CI: "1", NO_COLOR: "1", npm_config_user_agent: "", ...env },
		timeout: 30_000,
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every entry below dir with its type, mode and content hash: equal snapshots mean nothing was written. */
export function snapshot(dir: string): string[] {
	const out: string[] = [];
	const walk = (d: string) => {
		for (const entry of readdirSync(d).sort()) {
			const file = path.join(d, entry);
			const stat = lstatSync(file);
			const rel = path.relative(dir, file);
			if (stat.isDirectory()) {
				out.push(`${rel}/ ${(stat.mode & 0o777).toString(8)}`);
				walk(file);
			} else if (stat.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(file)}`);
			else
				out.push(
					`${rel} ${(stat.mode & 0o777).toString(8)} ${createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 12)}`,
				);
		}
	};
	walk(dir);
	return out;
}

/** Reads a generated tree into {path: content}, for comparisons. */
export function readTree(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const line of snapshot(dir)) {
		const rel = line.split(" ")[0] ?? "";
		if (!rel.endsWith("/")) out[rel] = readFileSync(path.join(dir, rel), "utf8");
	}
	return out;
}
