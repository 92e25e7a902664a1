// SEC-12: Ctrl-C at an interactive question, in a real terminal (a tmux pane). The CLI must exit 130, write
// nothing, and give the terminal back as it found it: line mode and echo on (`stty -a` shows `icanon` and `echo`),
// cursor visible. The pane runs /bin/sh, which does not touch the terminal modes itself, so what `stty -a` shows
// afterwards is what the CLI left behind.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, tmp } from "./helpers.js";

const hasTmux = spawnSync("tmux", ["-V"], { stdio: "ignore" }).status === 0;
if (!hasTmux) console.log("SEC-12 (terminal restored after Ctrl-C at a question) skipped: tmux is not installed");

let socket: string | undefined;

function tmux(...args: string[]): string {
	if (!socket) throw new Error("no tmux server started");
	return execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
}

function pane(): string {
	return tmux("capture-pane", "-p", "-J", "-t", "sec12");
}

/** Polls the pane until `pattern` shows up; on time-out, fails showing the pane. */
async function waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
	const started = Date.now();
	for (;;) {
		const text = pane();
		if (pattern.test(text)) return text;
		if (Date.now() - started > timeoutMs) throw new Error(`the pane never showed ${pattern}; it shows:\n${text}`);
		await new Promise((done) => setTimeout(done, 50));
	}
}

afterEach(() => {
	if (!socket) return;
	const where = spawnSync("tmux", ["-L", socket, "display-message", "-p", "#{socket_path}"], { encoding: "utf8" });
	spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
	if (where.status === 0 && where.stdout.trim()) rmSync(where.stdout.trim(), { force: true }); // tmux leaves it
	socket = undefined;
});

describe.skipIf(!hasTmux)("SEC-12 Ctrl-C at an interactive question (tmux)", () => {
	it("exits 130, writes nothing and leaves the terminal in line mode with echo and a visible cursor", async () => {
		const cwd = tmp();
		const home = tmp();
		socket = `cbs-sec12-${process.pid}-${randomBytes(4).toString("hex")}`;
		// A clean environment (no CI variables, nothing from Vitest), this Node (24) first on PATH.
		const env = [
			`HOME=${home}`,
			"TERM=xterm-256color",
			"PS1='$ '",
			`PATH=${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
		].join(" ");
		tmux("new-session", "-d", "-s", "sec12", "-x", "200", "-y", "50", "-c", cwd, `env -i ${env} /bin/sh`);
		tmux("send-keys", "-t", "sec12", "-l", `node ${BIN}; echo "exit=$?"`);
		tmux("send-keys", "-t", "sec12", "Enter");

		await waitFor(/Project directory/);
		tmux("send-keys", "-t", "sec12", "-l", "my-app");
		tmux("send-keys", "-t", "sec12", "Enter");
		await waitFor(/API style\?/);
		tmux("send-keys", "-t", "sec12", "Down");
		tmux("send-keys", "-t", "sec12", "Enter");
		await waitFor(/Database\?/);
		tmux("send-keys", "-t", "sec12", "C-c");
		const after = await waitFor(/exit=\d+/);

		expect(after).toMatch(/API style\? › graphql/); // Down+Enter was taken as an answer
		expect(after).toContain("Cancelled; nothing was created");
		expect(/exit=(\d+)/.exec(after)?.[1]).toBe("130");
		expect(readdirSync(cwd)).toEqual([]);

		tmux("send-keys", "-t", "sec12", "-l", "stty -a");
		tmux("send-keys", "-t", "sec12", "Enter");
		const stty = (await waitFor(/(^|\s)-?icanon(\s|$)/m)).split("stty -a").at(-1) ?? "";
		const flags = stty.split(/\s+/);
		expect(flags).toContain("icanon");
		expect(flags).toContain("echo");
		expect(flags).not.toContain("-icanon");
		expect(flags).not.toContain("-echo");
		expect(tmux("display-message", "-p", "-t", "sec12", "#{cursor_flag}").trim()).toBe("1");
	}, 45_000);
});
