// createProject called twice in one process (as `pack check --build --jobs 2` does): each call owns its staging
// folder and its clean-up, and a Ctrl-C is an AbortSignal given to the call, not state shared by the module.
import { chmodSync, existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createProject } from "../src/create.js";
import { UserError } from "../src/log.js";
import { tinyPack, tmp, writeTree } from "./helpers.js";

// A full disk, injected: writing `many/f250.txt` into the staging folder of a project named `bad` fails with ENOSPC.
vi.mock("node:fs", async (importOriginal) => {
	const fs = await importOriginal<typeof import("node:fs")>();
	const writeFileSync: typeof fs.writeFileSync = (file, ...rest) => {
		if (/[\\/]\.bad\.cbs-[^\\/]+[\\/]many[\\/]f250\.txt$/.test(String(file))) {
			throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
		}
		return fs.writeFileSync(file, ...rest);
	};
	return { ...fs, default: { ...fs, writeFileSync }, writeFileSync };
});

const manyFiles = (n: number) =>
	Object.fromEntries(Array.from({ length: n }, (_, i) => [`layers/base/many/f${i}.txt`, `${i}\n`]));

function workspace() {
	const cwd = tmp();
	const pack = tinyPack(path.join(cwd, "pack"), manyFiles(500));
	return { cwd, pack, git: false, install: false };
}

describe("two createProject calls in one process", () => {
	it("one failing mid-write (a full disk) removes only its own staging folder; the other finishes", async () => {
		const settings = workspace();
		const [good, bad] = await Promise.allSettled([
			createProject({ ...settings, directory: "good" }),
			createProject({ ...settings, directory: "bad" }),
		]);
		expect(bad.status).toBe("rejected");
		expect((bad as PromiseRejectedResult).reason).toMatchObject({
			exitCode: 1,
			message: expect.stringMatching(/bad: no space left on device \(ENOSPC\); nothing was created/),
		});
		expect(good.status, String((good as PromiseRejectedResult).reason)).toBe("fulfilled");
		expect(readdirSync(path.join(settings.cwd, "good", "many"))).toHaveLength(500);
		expect(readdirSync(settings.cwd).sort()).toEqual(["good", "pack"]);
	});

	it("aborting one call mid-write (its AbortSignal) removes its staging folder; the other finishes", async () => {
		const settings = workspace();
		const controller = new AbortController();
		// "Creating …" is logged just before the files are written; the abort lands at the first pause in writing.
		const log = {
			step: (message: string) => {
				if (message.startsWith("Creating")) setImmediate(() => controller.abort(new UserError("Aborted", 130)));
			},
			warn() {},
			detail() {},
		};
		const [stopped, other] = await Promise.allSettled([
			createProject({ ...settings, directory: "stopped", signal: controller.signal, log }),
			createProject({ ...settings, directory: "other" }),
		]);
		expect((stopped as PromiseRejectedResult).reason).toMatchObject({
			exitCode: 130,
			message: "Aborted; nothing was created",
		});
		expect(other.status).toBe("fulfilled");
		expect(readdirSync(settings.cwd).sort()).toEqual(["other", "pack"]);
	});

	describe("aborting one call during its install", () => {
		const path0 = process.env.PATH;
		afterEach(() => {
			process.env.PATH = path0;
		});

		it("names what is left for that project; the other call's install is not affected", async () => {
			const settings = workspace();
			// A stand-in npm: slow in the folder `slow`, quick elsewhere.
			const bin = writeTree(path.join(settings.cwd, "bin"), {
				npm: '#!/bin/sh\nif [ "$(basename "$PWD")" = slow ]; then exec sleep 5; fi\nexit 0\n',
			});
			chmodSync(path.join(bin, "npm"), 0o755);
			process.env.PATH = `${bin}${path.delimiter}${path0}`;
			const controller = new AbortController();
			const log = {
				step: (message: string) => {
					if (/^Installing/.test(message)) setTimeout(() => controller.abort(new UserError("Aborted", 130)), 200);
				},
				warn() {},
				detail() {},
			};
			const started = Date.now();
			const [slow, quick] = await Promise.allSettled([
				createProject({ ...settings, directory: "slow", install: true, pm: "npm", signal: controller.signal, log }),
				createProject({ ...settings, directory: "quick", install: true, pm: "npm", childOutput: "stderr" }),
			]);
			expect(Date.now() - started).toBeLessThan(4000); // the slow install was stopped, not waited for
			expect((slow as PromiseRejectedResult).reason).toMatchObject({
				exitCode: 130,
				message: "Aborted; the project is in place, finish by hand with: cd slow && npm install",
			});
			expect(existsSync(path.join(settings.cwd, "slow", "package.json"))).toBe(true);
			expect(quick).toMatchObject({ status: "fulfilled", value: { steps: [{ name: "install", status: "done" }] } });
		});
	});
});
