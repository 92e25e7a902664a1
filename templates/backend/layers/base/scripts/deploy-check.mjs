// `npm run deploy:check`: renders deploy/kubernetes with kustomize (kubectl's built-in one, or a
// standalone `kustomize` binary when there is no kubectl) and checks every manifest against the
// Kubernetes API's JSON schemas (bundled in the kubernetes-models package: nothing is downloaded).
// Without deploy/kubernetes/secret.env it renders with the placeholders of secret.env.example, so the
// check also runs in CI, where the real secrets never are.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const dir = process.argv[2] ?? "deploy/kubernetes";
const RENDERERS = [
  ["kubectl", ["kustomize"]],
  ["kustomize", ["build"]],
];

function render(from) {
  for (const [command, args] of RENDERERS) {
    try {
      return execFileSync(command, [...args, from], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      if (error.code === "ENOENT") continue;
      fail(`${command} ${args.join(" ")} ${dir} failed: ${String(error.stderr).trim()}`);
    }
  }
  fail(
    "deploy:check needs kubectl or kustomize to render the kustomization: install one, then run it again",
  );
}

function fail(line) {
  console.error(line);
  process.exit(1);
}

/** A copy with secret.env from the placeholders when the real one is absent. */
function renderWithSecrets() {
  if (existsSync(join(dir, "secret.env"))) return render(dir);
  const copy = mkdtempSync(join(tmpdir(), "deploy-check-"));
  try {
    cpSync(dir, copy, { recursive: true });
    cpSync(join(dir, "secret.env.example"), join(copy, "secret.env"));
    return render(copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** kubernetes-models/<group>/<version>/<Kind>; the core group ("v1") has no group segment. */
async function modelOf(apiVersion, kind) {
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

const problems = [];
let count = 0;
for (const document of parseAllDocuments(renderWithSecrets())) {
  const manifest = document.toJS();
  if (!manifest) continue;
  count++;
  const what = `${manifest.kind ?? "?"} ${manifest.metadata?.name ?? "?"}`;
  const Model = await modelOf(manifest.apiVersion, manifest.kind);
  if (!Model) {
    problems.push(`${what}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
    continue;
  }
  try {
    new Model(manifest).validate();
  } catch (error) {
    problems.push(`${what}: ${error.message}`);
  }
}

if (problems.length > 0) fail(problems.join("\n"));
if (count === 0) fail(`${dir} rendered no manifest`);
console.log(`deploy:check: ${count} manifests valid`);
