// Runs before the server: first in `dev` (`node scripts/preflight.mjs src/server.ts && node …
// src/server.ts`), and as `start`'s `--import` before dist/server.js is even looked for. Plain
// JavaScript, no dependencies, so that any Node.js can run it and say in one line what to fix,
// where Node's own error would be "bad option: --experimental-strip-types" or a "Cannot find
// module" or "Cannot find package" stack.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

// The package manager that runs the script, to name the command to type (npm when run directly).
const pm = (process.env.npm_config_user_agent ?? "npm").split("/")[0] || "npm";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const wanted = manifest.engines?.node ?? "";
if (!satisfies(process.versions.node, wanted)) {
  fail(
    `Node.js ${process.versions.node} cannot run this project: it needs Node.js ${wanted} (package.json "engines"); install a newer one (24 LTS recommended)`,
  );
}

// The entry point Node is about to load: argv[1] under `--import` (before a build it is missing),
// the argument when run on its own. Without one, only the Node.js version is checked.
const self = fileURLToPath(import.meta.url);
const entry = process.argv[1] === self ? process.argv[2] : process.argv[1];
if (entry && !existsSync(entry)) {
  fail(
    `${relative(process.cwd(), entry)} does not exist yet: run \`${pm} run build\` first (or \`${pm} run dev\` to run the sources)`,
  );
}
if (entry) {
  const missing = Object.keys(manifest.dependencies ?? {}).filter((name) => !installed(name));
  if (missing.length > 0) {
    const list =
      missing.length > 3
        ? `${missing.slice(0, 3).join(", ")} and ${missing.length - 3} more`
        : missing.join(", ");
    fail(`dependencies are not installed (${list}): run \`${pm} install\` first`);
  }
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** Whether `name` is in a node_modules folder where Node looks for it: the project's or above. */
function installed(name) {
  for (let dir = fileURLToPath(new URL("..", import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", name, "package.json"))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/**
 * Whether `version` is in `range`, for the forms package.json engines use: alternatives joined by
 * `||`, each of comparators like `>=22.12`, `^24.0.0`, `~22.12`, `<25`. A form it does not know is
 * not checked (the server then starts, as it would without this script).
 */
export function satisfies(version, range) {
  const current = parse(version);
  const alternatives = range.split("||").map((part) => part.trim().split(/\s+/).filter(Boolean));
  if (!current || alternatives.every((comparators) => comparators.length === 0)) return true;
  const results = alternatives.map((comparators) => comparators.map((c) => test(current, c)));
  if (results.flat().includes(undefined)) return true;
  return results.some((checks) => checks.every(Boolean));
}

function test(current, comparator) {
  const match = /^(>=|<=|>|<|=|\^|~)?v?(\d+(?:\.\d+){0,2})$/.exec(comparator);
  if (!match) return undefined;
  const [, operator = "=", text] = match;
  const given = parse(text);
  const order = compare(current, given);
  const parts = text.split(".").length;
  if (operator === ">=") return order >= 0;
  if (operator === ">") return order > 0;
  if (operator === "<=") return order <= 0;
  if (operator === "<") return order < 0;
  if (operator === "^") return order >= 0 && current[0] === given[0];
  if (operator === "~")
    return order >= 0 && current[0] === given[0] && (parts < 2 || current[1] === given[1]);
  return current.slice(0, parts).every((n, i) => n === given[i]);
}

function parse(text) {
  const numbers = text.split("-")[0].split(".").map(Number);
  if (numbers.some((n) => !Number.isInteger(n))) return undefined;
  return [numbers[0] ?? 0, numbers[1] ?? 0, numbers[2] ?? 0];
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}
