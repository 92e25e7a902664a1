import type { Logger } from "./log.js";
import { type Output, runCommand } from "./process.js";

export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";
export const PACKAGE_MANAGERS: PackageManager[] = ["npm", "pnpm", "yarn", "bun"];

/** What a post step did; `command` is what to run by hand when it was skipped, failed or was interrupted. */
export interface Step {
	name: "git" | "install";
	status: "done" | "skipped" | "failed";
	message: string;
	command?: string;
}

export interface StepSettings {
	log: Logger;
	/** Stops the step's command (Ctrl-C). */
	signal?: AbortSignal;
	/** Where the install's output goes (stderr with --json, so that stdout stays one JSON object). */
	output?: Exclude<Output, "capture">;
}

export const GIT_BY_HAND = 'git init && git add -A && git commit -m "Initial commit"';

/** The package manager that ran us (`npm_config_user_agent` is e.g. `pnpm/9.1.0 npm/? node/v24.1.0`), else npm. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent ?? ""): PackageManager {
	const name = userAgent.split("/")[0] as PackageManager;
	return PACKAGE_MANAGERS.includes(name) ? name : "npm";
}

/** `git init` and a first commit, skipped inside an existing repository or without git. */
export async function initGit(dir: string, settings: StepSettings): Promise<Step> {
	const git = (args: string[]) =>
		runCommand("git", args, {
			cwd: dir,
			output: "capture",
			signal: settings.signal,
			env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
		});
	const skip = (reason: string): Step => {
		settings.log.warn(`skipping git: ${reason}`);
		return { name: "git", status: "skipped", message: reason };
	};
	const inside = await git(["rev-parse", "--is-inside-work-tree"]);
	if (inside.missing) return skip("git is not installed");
	if (inside.exitCode === 0) return skip("the folder is already inside a git repository");
	// Without a configured identity `git commit` refuses; a neutral fallback keeps the first commit possible.
	const hasIdentity = (await git(["config", "user.email"])).exitCode === 0;
	const identity = hasIdentity
		? []
		: ["-c", "user.name=create-backend-starter", "-c", "user.email=create-backend-starter@localhost"];
	for (const args of [
		["init", "-q"],
		["add", "-A"],
		[...identity, "commit", "-q", "--no-verify", "-m", "Initial commit from create-backend-starter"],
	]) {
		const result = await git(args);
		if (result.exitCode !== 0) {
			const reason = (result.output.trim() || result.message).split("\n")[0];
			return {
				name: "git",
				status: "failed",
				message: `git ${args.join(" ")} failed: ${reason}`,
				command: GIT_BY_HAND,
			};
		}
	}
	settings.log.step("Created a git repository with a first commit");
	return { name: "git", status: "done", message: "git repository with a first commit" };
}

/** `<pm> install` (or the `args` given) with its own output shown live. */
export async function installDependencies(
	dir: string,
	pm: PackageManager,
	settings: StepSettings,
	args = ["install"],
): Promise<Step> {
	settings.log.step(`Installing dependencies with ${pm}`);
	const result = await runCommand(pm, args, {
		cwd: dir,
		output: settings.output ?? "inherit",
		signal: settings.signal,
	});
	if (result.exitCode === 0) return { name: "install", status: "done", message: `${pm} install` };
	const reason = result.missing ? `${pm} is not installed` : `${pm} install exited with ${result.exitCode}`;
	return { name: "install", status: "failed", message: reason, command: `${pm} install` };
}
