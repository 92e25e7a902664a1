import type { PackageManager } from "./install.js";
import { runCommand } from "./process.js";

/**
 * What a template knows of the package manager that installs the project: its commands, so that the README, the
 * CI workflow and the Dockerfile say `pnpm install --frozen-lockfile` for a pnpm project and `npm ci` for an npm one.
 * It is EJS data (`packageManager`), not a pack option: the engine picks it from `--pm` or from the package manager
 * that ran the tool, and a pack's templates only read it. Every field is a plain string but `run` and `exec`.
 */
export interface PackageManagerData {
	name: PackageManager;
	/** The version that will install the project, e.g. `10.12.1`; empty when unknown (npm is never asked). */
	version: string;
	/** `yarn` 2 and later (Yarn "berry", with `yarn dlx` and `--immutable`); false for every other manager. */
	berry: boolean;
	/** The lockfile its install writes: `package-lock.json`, `pnpm-lock.yaml`, `yarn.lock`, `bun.lock`. */
	lockfile: string;
	/** `npm install` */
	install: string;
	/**
	 * The arguments of the generator's own install, which writes the first lockfile: pnpm and Yarn 2+ refuse to
	 * write one when `CI` is set (frozen by default there), so they are told to.
	 */
	firstInstallArgs: string[];
	/** The install that refuses to change the lockfile (CI, Docker): `npm ci`, `pnpm install --frozen-lockfile` … */
	frozenInstall: string;
	/** Drops devDependencies from an installed node_modules (Docker's build stage, after the build). */
	pruneDev: string;
	/** `npm run dev`; `npm test` and `npm start` keep npm's short forms; `bun run test` (bun test is Bun's runner). */
	run: (script: string) => string;
	/** A binary of the project's devDependencies: `npx prettier --write .`, `pnpm exec prettier --write .`, `bunx …`. */
	exec: (command: string) => string;
	/** Runs a package's binary without installing it in the project: `npx`, `pnpm dlx`, `yarn dlx`, `bunx`. */
	dlx: (spec: string) => string;
	/** package.json `packageManager` (`yarn@4.18.1`), for Corepack; empty for npm, pnpm and bun. */
	field: string;
	/** Makes it available where only Node is (a Docker build stage): `corepack enable` for Yarn, else `npm install
	 * --global pnpm@12.26.0`; empty for npm. */
	bootstrap: string;
	/** What its frozen install reads: package.json, the lockfile and the settings files the engine writes. */
	installFiles: string[];
}

/** The commands of one package manager; `version` decides between Yarn 1 and Yarn 2+. */
export function packageManagerData(name: PackageManager, version = ""): PackageManagerData {
	const berry = name === "yarn" && Number.parseInt(version, 10) >= 2;
	// Only Yarn's: pnpm 11+ takes the field as a dependency of the project, resolves its own binary package from the
	// registry and records it in the lockfile (a registry without that exact build leaves the lock unable to pass
	// a frozen install); CI and Docker get pnpm by version instead.
	const field = name === "yarn" && version ? `yarn@${version}` : "";
	// Corepack reads the packageManager field; npm comes with Node.
	const bootstrap = field
		? "corepack enable"
		: name === "npm"
			? ""
			: `npm install --global ${name}${version ? `@${version}` : ""}`;
	const common = { name, version, berry, field, bootstrap };
	switch (name) {
		case "pnpm":
			return {
				...common,
				lockfile: "pnpm-lock.yaml",
				installFiles: ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"],
				install: "pnpm install",
				firstInstallArgs: ["install", "--no-frozen-lockfile"],
				frozenInstall: "pnpm install --frozen-lockfile",
				pruneDev: "pnpm prune --prod",
				run: (script) => (script === "test" ? "pnpm test" : `pnpm run ${script}`),
				exec: (command) => `pnpm exec ${command}`,
				dlx: (spec) => `pnpm dlx ${spec}`,
			};
		case "yarn":
			return {
				...common,
				lockfile: "yarn.lock",
				installFiles: ["package.json", "yarn.lock", ...(berry ? [".yarnrc.yml"] : [])],
				install: "yarn install",
				firstInstallArgs: berry ? ["install", "--no-immutable"] : ["install"],
				frozenInstall: berry ? "yarn install --immutable" : "yarn install --frozen-lockfile",
				// Yarn 1 has no prune: a production install over node_modules removes the devDependencies.
				pruneDev: berry
					? "yarn workspaces focus --all --production"
					: "yarn install --production --frozen-lockfile --ignore-scripts",
				run: (script) => (script === "test" ? "yarn test" : `yarn run ${script}`),
				exec: (command) => `yarn ${command}`,
				// Yarn 1 has no dlx; npx comes with Node.
				dlx: (spec) => (berry ? `yarn dlx ${spec}` : `npx ${spec}`),
			};
		case "bun":
			return {
				...common,
				lockfile: "bun.lock",
				installFiles: ["package.json", "bun.lock"],
				install: "bun install",
				firstInstallArgs: ["install"],
				frozenInstall: "bun install --frozen-lockfile",
				pruneDev: "rm -rf node_modules && bun install --production --frozen-lockfile",
				// `bun test` would start Bun's own test runner, not the project's `test` script.
				run: (script) => `bun run ${script}`,
				exec: (command) => `bunx ${command}`,
				dlx: (spec) => `bunx ${spec}`,
			};
		default:
			return {
				...common,
				lockfile: "package-lock.json",
				installFiles: ["package.json", "package-lock.json"],
				install: "npm install",
				firstInstallArgs: ["install"],
				frozenInstall: "npm ci",
				pruneDev: "npm prune --omit=dev",
				run: (script) => (script === "test" || script === "start" ? `npm ${script}` : `npm run ${script}`),
				exec: (command) => `npx ${command}`,
				dlx: (spec) => `npx ${spec}`,
			};
	}
}

/**
 * The version of `name` that will install the project: from the user agent when that manager ran the tool
 * (`pnpm/10.12.1 npm/? node/v24.1.0`), else from `<name> --version` run where the project goes. npm's is never
 * needed. Empty when the manager is not installed (the install step then says so).
 */
export async function packageManagerVersion(
	name: PackageManager,
	cwd: string,
	userAgent = process.env.npm_config_user_agent ?? "",
): Promise<string> {
	if (name === "npm") return "";
	const [agent, version] = userAgent.split(" ")[0]?.split("/") ?? [];
	if (agent === name && version && /^\d+\.\d+\.\d+/.test(version)) return version;
	const result = await runCommand(name, ["--version"], { cwd, output: "capture", timeoutMs: 15_000 });
	return result.exitCode === 0 ? (/\d+\.\d+\.\d+\S*/.exec(result.output)?.[0] ?? "") : "";
}

/** A file the engine adds for the package manager, next to the pack's files. */
export interface PackageManagerFile {
	path: string;
	content: string;
}

/**
 * Settings files the package manager needs to install the project as npm would:
 * - Yarn 2+: `.yarnrc.yml` with `nodeLinker: node-modules`. Yarn's default, Plug'n'Play, has no node_modules:
 *   `node --watch src/server.ts`, TypeScript's own module resolution and tools that scan the tree (a linter reading
 *   `.pnp.loader.mjs`) would each need Yarn-specific set-up in every pack.
 * - pnpm: `pnpm-workspace.yaml` with `allowBuilds` taken from the package.json `allowScripts` decisions (npm's
 *   field): pnpm 11+ fails an install whose dependencies have build scripts nobody decided on. Written even with
 *   nothing to decide, so that the Dockerfile can copy it.
 * Bun runs only the install scripts of its trusted list, and npm reads `allowScripts` itself: nothing to add.
 */
export function packageManagerFiles(pm: PackageManagerData, pkg: Record<string, unknown>): PackageManagerFile[] {
	if (pm.berry) {
		return [
			{
				path: ".yarnrc.yml",
				content: "# node_modules instead of Plug'n'Play: see the README\nnodeLinker: node-modules\n",
			},
		];
	}
	if (pm.name === "pnpm") {
		const allow = typeof pkg.allowScripts === "object" && pkg.allowScripts ? pkg.allowScripts : {};
		const lines = Object.entries(allow).map(([dep, allowed]) => `  ${JSON.stringify(dep)}: ${allowed === true}`);
		const comment = "# Which dependencies may run install scripts (package.json allowScripts says the same to npm)\n";
		return [
			{
				path: "pnpm-workspace.yaml",
				content: `${comment}allowBuilds:${lines.length ? `\n${lines.join("\n")}` : " {}"}\n`,
			},
		];
	}
	return [];
}
