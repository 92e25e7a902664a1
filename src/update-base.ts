import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Logger, quote, UserError } from "./log.js";
import { BUILTIN_PACK, loadPack, type Pack } from "./packs.js";
import { runCommand } from "./process.js";
import { type ProjectRecord, packHash, toolName } from "./record.js";

export interface BaseSettings {
	/** --from: a folder or an installed package, or `name@version` from the registry. */
	from?: string | Pack;
	projectDir: string;
	cwd: string;
	log: Logger;
	signal?: AbortSignal;
}

/**
 * The pack the project was made with, exactly: `--from` when given; else the recorded pack as this tool has it
 * now when its hash is the recorded one; else the recorded version fetched from the npm registry (the built-in
 * pack inside the tool's own package) or the recorded folder. Whatever is found must have the recorded hash:
 * a base is never guessed. Exit 2 saying how to provide one otherwise.
 */
export async function loadBase(record: ProjectRecord, settings: BaseSettings): Promise<Pack> {
	const wanted = `${record.pack.name} ${record.pack.version}`;
	const fix = `pass --from with a copy of ${wanted} (a folder, or a package spec such as name@version)`;
	if (typeof settings.from === "object") return verified(settings.from, record, "--from", fix, true);
	if (settings.from) {
		const pack = await loadCandidate(settings.from, settings, `--from ${quote(settings.from)}`, fix);
		return verified(pack, record, `--from ${quote(settings.from)}`, fix, true);
	}
	const source = record.pack.source ?? { type: "builtin" as const };
	const hash = record.pack.hash;
	if (source.type === "builtin") {
		if (hash) {
			const current = await loadPack(BUILTIN_PACK);
			if (packHash(current) === hash) return current;
		}
		const spec = `${source.package ?? toolName()}@${record.pack.version}`;
		const root = await fromRegistry(spec, settings, fix);
		const dir = path.join(root, "templates", "backend");
		if (!existsSync(path.join(dir, "pack.json")))
			throw new UserError(
				`cannot render the base: ${spec} from the registry has no templates/backend/pack.json; ${fix}`,
			);
		return verified(await loadPack(dir), record, `${spec} from the npm registry`, fix, false, settings.log);
	}
	if (source.type === "folder") {
		const dir = path.resolve(settings.projectDir, source.path);
		if (!existsSync(path.join(dir, "pack.json")))
			throw new UserError(`cannot render the base: the recorded pack folder ${dir} has no pack.json; ${fix}`);
		const pack = await loadPack(dir);
		if (hash && packHash(pack) !== hash)
			throw new UserError(`cannot render the base: the pack in ${dir} has changed since the project was made; ${fix}`);
		return verified(pack, record, dir, fix, false, settings.log);
	}
	// An npm pack: the copy installed beside the project when it is the same, else the registry's.
	try {
		const installed = await loadPack(source.name, settings.projectDir);
		if (hash && packHash(installed) === hash) return installed;
	} catch {}
	const spec = `${source.name}@${record.pack.version}`;
	const root = await fromRegistry(spec, settings, fix);
	return verified(await loadPack(root), record, `${spec} from the npm registry`, fix, false, settings.log);
}

/** Whatever was found must be the recorded pack: same name, and the recorded content hash when there is one. */
function verified(pack: Pack, record: ProjectRecord, what: string, fix: string, explicit: boolean, log?: Logger): Pack {
	if (pack.name !== record.pack.name)
		throw new UserError(
			`cannot render the base: ${what} is the pack ${quote(pack.name)}, not ${quote(record.pack.name)}; ${fix}`,
		);
	const hash = record.pack.hash;
	if (hash && packHash(pack) !== hash) {
		throw new UserError(
			`cannot render the base: ${what} is not the ${record.pack.name} ${record.pack.version} this project was made with (its files differ from the recorded hash); ${explicit ? "pass the right one" : fix}`,
		);
	}
	if (!hash && !explicit)
		log?.warn(
			`the project's record has no content hash (made by an older version); using ${what} as its base unchecked`,
		);
	// A copy (a cache folder, --from) may not know its version; the record does, and the hash vouches for it.
	return { ...pack, version: record.pack.version };
}

/** --from: a folder or installed package as --pack takes it, or `name@version` fetched from the registry. */
async function loadCandidate(ref: string, settings: BaseSettings, what: string, fix: string): Promise<Pack> {
	const spec = /^(@[^/@]+\/)?[^/@]+@[^/]+$/.test(ref) && !existsSync(path.resolve(settings.cwd, ref));
	if (!spec) return loadPack(ref, settings.cwd);
	const root = await fromRegistry(ref, settings, fix);
	const builtin = path.join(root, "templates", "backend");
	return loadPack(existsSync(path.join(root, "pack.json")) || !existsSync(builtin) ? root : builtin).catch((error) => {
		throw new UserError(`${what}: ${(error as Error).message}`);
	});
}

/** The cache folder for packs fetched from the registry (CREATE_BACKEND_STARTER_CACHE overrides it). */
export function cacheDir(): string {
	const own = process.env.CREATE_BACKEND_STARTER_CACHE;
	if (own) return path.resolve(own);
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
	return path.join(base, "create-backend-starter", "packs");
}

/**
 * `npm pack <spec>` from the registry the user's npm is set up for, unpacked into the cache once: a version
 * published is never changed, and the hash check catches a cache that was tampered with.
 */
async function fromRegistry(spec: string, settings: BaseSettings, fix: string): Promise<string> {
	const folder = path.join(cacheDir(), spec.replace(/[/\\:]/g, "+"));
	const root = path.join(folder, "package");
	if (existsSync(root)) return root;
	mkdirSync(cacheDir(), { recursive: true });
	const work = await mkdtemp(path.join(cacheDir(), ".fetch-"));
	try {
		settings.log.step(`Fetching ${spec} from the npm registry (the base to merge against)`);
		const pack = await runCommand("npm", ["pack", spec, "--pack-destination", work, "--silent"], {
			cwd: work,
			output: "capture",
			signal: settings.signal,
			timeoutMs: 5 * 60_000,
		});
		settings.signal?.throwIfAborted();
		const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
		if (pack.exitCode !== 0 || !tarball) {
			const why = pack.missing ? "npm is not installed" : firstLine(pack.output || pack.message);
			throw new UserError(`cannot render the base: npm pack ${spec} failed (${why}); ${fix}`);
		}
		const untar = await runCommand("tar", ["-xzf", tarball], { cwd: work, output: "capture", signal: settings.signal });
		if (untar.exitCode !== 0)
			throw new UserError(
				`cannot render the base: cannot unpack ${tarball} (${firstLine(untar.output || untar.message)}); ${fix}`,
			);
		rmSync(path.join(work, tarball));
		try {
			renameSync(work, folder);
		} catch {
			// Another run unpacked the same version meanwhile: its copy is as good as ours.
			if (!existsSync(root)) throw new UserError(`cannot write the cache folder ${folder}`, 1);
		}
		return root;
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

function firstLine(text: string): string {
	const line =
		text
			.split("\n")
			.map((l) => l.trim())
			.find((l) => /error|ERR/i.test(l)) ??
		text.split("\n").find((l) => l.trim()) ??
		"no output";
	return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
