import type { Logger } from "./log.js";

export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";
export const PACKAGE_MANAGERS: PackageManager[] = ["npm", "pnpm", "yarn", "bun"];

/** What a post step did; `command` is what to run by hand when it was skipped or failed. */
export interface Step {
	name: "git" | "install";
	status: "done" | "skipped" | "failed";
	message: string;
	command?: string;
}

const GIT_BY_HAND = 'git init && git add -A && git commit -m "Initial commit"';

/**
 * The post steps of the current run that have not finished, with the command that does each by hand: if the
 * user interrupts (Ctrl-C during a long install), the CLI prints them instead of leaving a half-set-up folder
 * without a word.
 */
const unfinished = { cd: "", commands: new Map<Step["name"], string>() };

/** Called before the post steps run: `cd` is how to reach the project from where the user is. */
export function expectSteps(cd: string, steps: { git: boolean; install: PackageManager | false }): void {
	unfinished.cd = cd;
	unfinished.commands.clear();
	if (steps.git) unfinished.commands.set("git", GIT_BY_HAND);
	if (steps.install) unfinished.commands.set("install", `${steps.install} install`);
}

/** `cd my-api && npm install` for what is left, or undefined when no post step is pending. */
export function finishByHand(): string | undefined {
	if (unfinished.commands.size === 0) return undefined;
	return [unfinished.cd, ...unfinished.commands.values()].join(" && ");
}

/** The package manager that ran us (`npm_config_user_agent` is e.g. `pnpm/9.1.0 npm/? node/v24.1.0`), else npm. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent ?? ""): PackageManager {
	const name = userAgent.split("/")[0] as PackageManager;
	return PACKAGE_MANAGERS.includes(name) ? name : "npm";
}

// execa is loaded only when a post step runs.
async function run(file: string, args: string[], cwd: string, stdio: "pipe" | "inherit" | "stderr" = "pipe") {
	const { execa } = await import("execa");
	const io = stdio === "stderr" ? (["ignore", 2, 2] as const) : stdio;
	return execa(file, args, { cwd, stdio: io, reject: false, env: { GIT_TERMINAL_PROMPT: "0" } });
}

/** `git init` and a first commit, skipped inside an existing repository or without git. */
export async function initGit(dir: string, log: Logger): Promise<Step> {
	try {
		return await gitSteps(dir, log);
	} finally {
		unfinished.commands.delete("git");
	}
}

async function gitSteps(dir: string, log: Logger): Promise<Step> {
	const inside = await run("git", ["rev-parse", "--is-inside-work-tree"], dir);
	if ((inside as { code?: string }).code === "ENOENT") return skip("git is not installed");
	if (inside.exitCode === 0) return skip("the folder is already inside a git repository");
	const hasIdentity = (await run("git", ["config", "user.email"], dir)).exitCode === 0;
	// Without a configured identity `git commit` refuses; a neutral fallback keeps the first commit possible.
	const identity = hasIdentity
		? []
		: ["-c", "user.name=create-backend-starter", "-c", "user.email=create-backend-starter@localhost"];
	for (const args of [
		["init", "-q"],
		["add", "-A"],
		[...identity, "commit", "-q", "--no-verify", "-m", "Initial commit from create-backend-starter"],
	]) {
		const result = await run("git", args, dir);
		if (result.exitCode !== 0) {
			const reason = String(result.stderr || result.shortMessage)
				.trim()
				.split("\n")[0];
			return {
				name: "git",
				status: "failed",
				message: `git ${args.join(" ")} failed: ${reason}`,
				command: GIT_BY_HAND,
			};
		}
	}
	log.step("Created a git repository with a first commit");
	return { name: "git", status: "done", message: "git repository with a first commit" };

	function skip(reason: string): Step {
		log.warn(`skipping git: ${reason}`);
		return { name: "git", status: "skipped", message: reason };
	}
}

/** `<pm> install` with its own output shown live (on stderr with --json, so stdout stays one JSON object). */
export async function installDependencies(dir: string, pm: PackageManager, log: Logger, json = false): Promise<Step> {
	log.step(`Installing dependencies with ${pm}`);
	const result = await run(pm, ["install"], dir, json ? "stderr" : "inherit");
	unfinished.commands.delete("install");
	if (result.exitCode === 0) return { name: "install", status: "done", message: `${pm} install` };
	const reason =
		(result as { code?: string }).code === "ENOENT"
			? `${pm} is not installed`
			: `${pm} install exited with ${result.exitCode}`;
	return { name: "install", status: "failed", message: reason, command: `${pm} install` };
}
