// The contract client checks itself: it passes a small fake server that keeps the REST contract, and each
// deliberately broken behaviour of that fake makes it fail with a message naming the broken check.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clientPath, freePort, freshEnv, repoRoot, runLogged } from "./harness.js";

const fake = join(repoRoot, "test/e2e/fixtures/fake-rest-server.mjs");

async function withFake(env: Record<string, string>, auth: string): Promise<{ code: number | null; output: string }> {
	const port = await freePort();
	const server: ChildProcess = spawn(process.execPath, [fake], {
		env: freshEnv({ ...env, PORT: String(port) }),
		stdio: ["ignore", "pipe", "inherit"],
	});
	try {
		await once(server.stdout as NodeJS.ReadableStream, "data");
		const r = await runLogged(
			process.execPath,
			[clientPath, "--url", `http://127.0.0.1:${port}`, "--api", "rest", "--auth", auth],
			{
				cwd: repoRoot,
				env: freshEnv(),
				log: join(tmpdir(), `contract-client-self-test-${port}.log`),
				timeoutMs: 60_000,
			},
		);
		return { code: r.code, output: r.output };
	} finally {
		server.kill("SIGTERM");
	}
}

describe("contract client", () => {
	it.each(["jwt", "none"])("passes a server that keeps the contract (auth %s)", async (auth) => {
		const { code, output } = await withFake(auth === "none" ? { AUTH: "none" } : {}, auth);
		expect(output).toMatch(/^\d+ passed, 0 failed$/m);
		expect(code).toBe(0);
	});

	it.each([
		["ttl", /access token lifetime should be about 15 minutes/],
		["algnone", /forged token \(no signature \(alg none\)\).*expected 401, got 200/],
		["case", /already taken, in another case.*expected 409, got 201/],
		["enum", /the same message for a wrong email and a wrong password/],
		["rotation", /token already used \(reuse\).*expected 401, got 200/],
		["family", /newest token of a family revoked by reuse.*expected 401, got 200/],
		["owner", /B gets A's note.*expected 404, got 200/],
		["offset", /page 2 repeats note/],
		["malformed", /GET \/notes\/zzz → 500/],
	])("fails a server that breaks it (%s)", async (breakName, message) => {
		const { code, output } = await withFake({ BREAK: breakName }, "jwt");
		expect(output).toMatch(message);
		expect(output).toMatch(/^\d+ passed, 1 failed$/m);
		expect(code).toBe(1);
	});
});
