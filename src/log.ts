import { fstatSync, writeSync } from "node:fs";
import { styleText } from "node:util";

/**
 * An expected problem (bad flag, invalid pack, full disk …): the CLI prints its message as one line, without a
 * stack, and exits with `exitCode` — 2 for bad input (nothing written), 1 for a failed step, 130 for Ctrl-C.
 */
export class UserError extends Error {
	constructor(
		message: string,
		readonly exitCode: 1 | 2 | 130 = 2,
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

/** Standard output or standard error: text to write, and colours for it. */
export interface Output {
	write(text: string): void;
	/** `text` in a colour or style, when this output shows colours (a terminal, or FORCE_COLOR). */
	paint(format: Parameters<typeof styleText>[0], text: string): string;
}

/**
 * Node builds process.stdout/stderr on first use; for a pipe that loads its net and stream modules, which cost
 * more than the rest of a generation's own work. So when the descriptor is a pipe, socket or file (never a
 * terminal), and FORCE_COLOR is unset — where styleText shows no colours anyway — text is written to it with
 * writeSync, as Node's stream does (synchronously) for those on Linux and macOS. A terminal, Windows, FORCE_COLOR,
 * or any failed write (EAGAIN on a non-blocking pipe, EPIPE …) goes through the stream, then and from then on.
 */
function output(fd: 1 | 2): Output {
	let stream: NodeJS.WriteStream | undefined;
	let plain: boolean | undefined;
	const toStream = () => {
		stream ??= fd === 1 ? process.stdout : process.stderr;
		return stream;
	};
	const isPlain = () => {
		plain ??= process.platform !== "win32" && process.env.FORCE_COLOR === undefined && neverATerminal(fd);
		return plain;
	};
	return {
		write(text) {
			if (stream || !isPlain()) return void toStream().write(text);
			const bytes = Buffer.from(text);
			let written = 0;
			try {
				while (written < bytes.length) written += writeSync(fd, bytes, written);
			} catch {
				toStream().write(bytes.subarray(written));
			}
		},
		paint: (format, text) => (isPlain() ? text : styleText(format, text, { stream: toStream() })),
	};
}

function neverATerminal(fd: number): boolean {
	try {
		const stat = fstatSync(fd);
		return stat.isFIFO() || stat.isSocket() || stat.isFile();
	} catch {
		return false;
	}
}

export const stdout = output(1);
export const stderr = output(2);

/** Progress goes to stdout, or to stderr with --json so that stdout holds exactly one JSON object. */
export function createLogger({ json = false, verbose = false } = {}): Logger {
	const out = json ? stderr : stdout;
	return {
		step: (message) => out.write(`${out.paint("cyan", "◇")} ${message}\n`),
		warn: (message) => stderr.write(`${stderr.paint("yellow", "warning:")} ${message}\n`),
		detail: (message) => {
			if (verbose) out.write(`  ${out.paint("dim", message)}\n`);
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
