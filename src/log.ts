import { styleText } from "node:util";

/**
 * An expected problem (bad flag, invalid pack, full disk …): the CLI prints its message as one line, without a
 * stack, and exits with `exitCode`: 2 for bad input (nothing written), 1 for a failed step, 130/143 for Ctrl-C or
 * SIGTERM.
 */
export class UserError extends Error {
	constructor(
		message: string,
		readonly exitCode: 1 | 2 | 130 | 143 = 2,
	) {
		super(message);
		this.name = "UserError";
	}
}

/** Where progress goes. The API is silent by default; the CLI prints phases, warnings and (verbose) files. */
export interface Logger {
	step(message: string): void;
	warn(message: string): void;
	/** Only shown with --verbose. */
	detail(message: string): void;
}

export const silentLogger: Logger = { step() {}, warn() {}, detail() {} };

/** `text` in a colour or style when `stream` shows colours: a terminal, or FORCE_COLOR (never with NO_COLOR). */
export function paint(stream: NodeJS.WriteStream, format: Parameters<typeof styleText>[0], text: string): string {
	return styleText(format, text, { stream });
}

/** Progress goes to stdout, or to stderr with --json so that stdout holds exactly one JSON object. */
export function createLogger({ json = false, verbose = false } = {}): Logger {
	const out = json ? process.stderr : process.stdout;
	return {
		step: (message) => out.write(`${paint(out, "cyan", "◇")} ${message}\n`),
		warn: (message) => process.stderr.write(`${paint(process.stderr, "yellow", "warning:")} ${message}\n`),
		detail: (message) => {
			if (verbose) out.write(`  ${paint(out, "dim", message)}\n`);
		},
	};
}

/** Names and paths typed by users can hold control characters; quote them so they cannot restyle the terminal. */
export function quote(value: string): string {
	// JSON.stringify escapes control characters; invisible and bidirectional ones (U+202E …) could still disguise a
	// name on the terminal, so they are escaped too.
	return JSON.stringify(value).replace(
		/[\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
		(c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
	);
}
