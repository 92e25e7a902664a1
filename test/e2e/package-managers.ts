// The package managers the e2e tests drive, and where they are: .ci/run installs each from the npm registry into
// its own prefix under PM_HOME (default ~/.cache/pm), never globally; npm is the one that comes with this Node.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { type PackageManagerData, packageManagerData } from "../../src/package-manager.js";
import type { RunningServer } from "./harness.js";

export interface AvailableManager {
	/** npm, pnpm, yarn1, yarn4, bun */
	label: string;
	/** The folder that holds its binary: first on PATH for everything run with it. */
	binDir: string;
	/** `<name> --version` */
	version: string;
	data: PackageManagerData;
}

export const PM_HOME = process.env.PM_HOME ?? join(homedir(), ".cache", "pm");

/** label → [command, prefix under PM_HOME (npm: none), npm package that .ci/run installs there] */
export const MANAGERS = {
	npm: ["npm", "", ""],
	pnpm: ["pnpm", "pnpm", "pnpm@12"],
	yarn1: ["yarn", "yarn1", "yarn@1"],
	yarn4: ["yarn", "yarn4", "@yarnpkg/cli-dist@4"],
	bun: ["bun", "bun", "bun@1"],
} as const;

/** Each manager found, and why the others are missing (a test names them; PM_REQUIRE_ALL=1 makes one fail). */
export function availableManagers(): { found: AvailableManager[]; missing: string[] } {
	const found: AvailableManager[] = [];
	const missing: string[] = [];
	for (const [label, [command, prefix]] of Object.entries(MANAGERS)) {
		// npm: the one on PATH (it runs on the first node on PATH, which freshEnv makes this one).
		const binDir = prefix ? join(PM_HOME, prefix, "node_modules", ".bin") : onPath("npm");
		if (!existsSync(join(binDir, command))) {
			missing.push(`${label} (no ${join(binDir, command)})`);
			continue;
		}
		const version = execFileSync(join(binDir, command), ["--version"], {
			cwd: PM_HOME,
			encoding: "utf8",
			env: { ...process.env, PATH: `${binDir}:${dirname(process.execPath)}:${process.env.PATH}` },
		}).trim();
		found.push({ label, binDir, version, data: packageManagerData(command, version) });
	}
	return { found, missing };
}

function onPath(command: string): string {
	const dir = (process.env.PATH ?? "").split(":").find((d) => d && existsSync(join(d, command)));
	return dir ?? dirname(process.execPath);
}

/** The environment for one manager: this Node, then the manager, first on PATH. */
export function managerEnv(manager: AvailableManager, base: Record<string, string>): Record<string, string> {
	// This Node first: npm's folder (/usr/bin) may hold an older node that would then run everything.
	return { ...base, PATH: `${dirname(process.execPath)}:${manager.binDir}:${base.PATH ?? ""}` };
}

/** `pnpm run dev` as [file, args]; the commands hold no quotes or shell syntax. */
export function argv(command: string): [string, string[]] {
	const [file, ...args] = command.split(" ");
	return [file ?? "", args];
}

/**
 * Starts a shell command in a process group of its own (a package manager runs the script through a shell, which
 * runs node, which with --watch runs the server: stopping the group stops them all).
 */
export function startGroup(
	command: string,
	options: { cwd: string; env: Record<string, string>; url: string; log: (chunk: string) => void },
): RunningServer & { stop: () => Promise<void> } {
	const child = spawn("bash", ["-c", command], {
		cwd: options.cwd,
		env: options.env,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	child.stdout?.on("data", (c: Buffer) => options.log(c.toString()));
	child.stderr?.on("data", (c: Buffer) => options.log(c.toString()));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
		child.on("close", (code, signal) => done({ code, signal })),
	);
	const stop = async () => {
		if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
		const group = -child.pid;
		process.kill(group, "SIGTERM");
		const timer = setTimeout(() => {
			try {
				process.kill(group, "SIGKILL");
			} catch {}
		}, 10_000);
		await exited;
		clearTimeout(timer);
	};
	return { child, url: options.url, log: "", exited, stop };
}
