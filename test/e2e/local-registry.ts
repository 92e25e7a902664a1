// A registry on 127.0.0.1 that serves this checkout, packed by `npm pack`, as @backend-starter/create, so that the
// README's `npm create @backend-starter …`, `pnpm create …`, `yarn create …` and `bun create …` run verbatim and
// resolve to the code under test. Only our scope is pointed at it (an `.npmrc` / `.yarnrc.yml` / `bunfig.toml`
// scope entry): every other package still comes from the registry the machine uses.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalRegistry {
	/** e.g. http://127.0.0.1:41234/ */
	url: string;
	/** The scope served, `@backend-starter`. */
	scope: string;
	/** Paths that clients asked for, to prove the scope went here. */
	requests: string[];
	close(): Promise<void>;
}

/** Packs `packageDir` (npm pack) and serves it as the only version of its package name. */
export async function startLocalRegistry(packageDir: string): Promise<LocalRegistry> {
	const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Record<string, unknown> & {
		name: string;
		version: string;
	};
	const packDir = await mkdtemp(join(tmpdir(), "cbs-registry-"));
	const [packed] = JSON.parse(
		execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir], {
			cwd: packageDir,
			encoding: "utf8",
		}),
	) as [{ filename: string }];
	const tarball = await readFile(join(packDir, packed.filename));
	const scope = manifest.name.split("/")[0] ?? manifest.name;
	const tarballPath = `/${manifest.name}/-/${manifest.name.split("/")[1]}-${manifest.version}.tgz`;
	const requests: string[] = [];

	const server: Server = createServer((req, res) => {
		const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
		requests.push(path);
		if (path === tarballPath) {
			res.writeHead(200, { "content-type": "application/octet-stream", "content-length": tarball.length });
			return res.end(tarball);
		}
		// The packument: `/@scope/name` (pnpm, yarn, bun) or `/@scope%2fname` (npm), both decoded above.
		if (path.replace(/^\//, "") === manifest.name) {
			const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
			const published = new Date(Date.now() - 7 * 24 * 3600_000).toISOString();
			const version = {
				...manifest,
				_id: `${manifest.name}@${manifest.version}`,
				dist: {
					tarball: `${base}${tarballPath}`,
					shasum: createHash("sha1").update(tarball).digest("hex"),
					integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
				},
			};
			const body = JSON.stringify({
				_id: manifest.name,
				name: manifest.name,
				"dist-tags": { latest: manifest.version },
				versions: { [manifest.version]: version },
				// Dated a week back: package managers with a minimum release age would otherwise skip it.
				time: { created: published, modified: published, [manifest.version]: published },
			});
			res.writeHead(200, { "content-type": "application/json" });
			return res.end(body);
		}
		res.writeHead(404, { "content-type": "application/json" });
		res.end(JSON.stringify({ error: "not found" }));
	});
	await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
	const { port } = server.address() as { port: number };
	return {
		url: `http://127.0.0.1:${port}/`,
		scope,
		requests,
		close: () => new Promise((done) => server.close(() => done())),
	};
}

/**
 * The files in a working folder that send our scope to the local registry, one per client's configuration format:
 * npm, pnpm, yarn 1 and bun read `.npmrc`; Yarn 4 reads `.yarnrc.yml`; bun also reads `bunfig.toml`.
 */
export function scopeConfigFiles(registry: LocalRegistry): Record<string, string> {
	const bare = registry.scope.replace(/^@/, "");
	return {
		".npmrc": `${registry.scope}:registry=${registry.url}\n`,
		".yarnrc.yml": `npmScopes:\n  ${bare}:\n    npmRegistryServer: "${registry.url}"\nunsafeHttpWhitelist:\n  - "127.0.0.1"\n`,
		"bunfig.toml": `[install.scopes]\n"${registry.scope}" = "${registry.url}"\n`,
	};
}
