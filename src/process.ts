/** How a command's output is handled: shown live, shown on stderr (stdout is --json's), or captured. */
export type Output = "inherit" | "stderr" | "capture";

export interface RunSettings {
	cwd: string;
	output: Output;
	/** The command's whole environment; ours when absent. */
	env?: Record<string, string | undefined>;
	/** Stops the command (SIGTERM) when aborted: Ctrl-C. */
	signal?: AbortSignal;
	timeoutMs?: number;
}

export interface RunResult {
	/** 0 when the command succeeded; undefined when it could not start or was stopped. */
	exitCode?: number;
	/** The command is not installed. */
	missing: boolean;
	/** stdout and stderr interleaved, with `output: "capture"`. */
	output: string;
	/** Why it failed, in a line. */
	message: string;
}

const STDIO = {
	inherit: "inherit",
	stderr: ["ignore", 2, 2],
	capture: ["ignore", "pipe", "pipe"],
} as const;

/** Runs a command to its end and never throws for its exit code. The one runner of git, install and --build. */
export async function runCommand(file: string, args: string[], settings: RunSettings): Promise<RunResult> {
	// execa is loaded only when a command runs.
	const { execa } = await import("execa");
	const result = await execa(file, args, {
		cwd: settings.cwd,
		stdio: STDIO[settings.output],
		all: settings.output === "capture",
		env: settings.env,
		extendEnv: !settings.env,
		cancelSignal: settings.signal,
		timeout: settings.timeoutMs,
		reject: false,
	});
	return {
		exitCode: result.exitCode,
		missing: result.code === "ENOENT",
		output: typeof result.all === "string" ? result.all : "",
		message: result.shortMessage ?? "",
	};
}
