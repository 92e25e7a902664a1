/**
 * Configuration from the environment, validated once at start-up against one TypeBox schema.
 * Each part of the app declares its variables in a file of src/config/ (`server.ts` is the
 * example to copy): the schema of its variables, and the settings it makes of them. A bad value
 * stops start-up with one line per variable, never its value.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Static, type TObject, Type } from "typebox";
import { Value } from "typebox/value";

/** The app's settings: each file of src/config/ adds its part (declaration merging). */
export interface Config {}

export type Env = Record<string, string | undefined>;

/** What a file of src/config/ exports as default (made with `configSection`). */
export interface ConfigSection {
  variables: TObject;
  settings(env: Record<string, unknown>, problems: string[]): object;
}

/**
 * A section of the configuration. `variables` is a TypeBox object: its keys are environment
 * variables, each with a `description` that completes "NAME must be …". `settings` turns the
 * checked values (its own, and the other sections' as `unknown`) into settings, and pushes a line
 * to `problems` for what a schema cannot say.
 */
export function configSection<S extends TObject, C extends Partial<Config>>(
  variables: S,
  settings: (env: Static<S> & Record<string, unknown>, problems: string[]) => C,
): ConfigSection {
  return { variables, settings: settings as ConfigSection["settings"] };
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Reads every section of src/config/ and checks `env` against them all at once. */
export async function loadConfig(env: Env = process.env): Promise<Config> {
  const sections = await loadSections();
  const schema = Type.Object(
    Object.assign({}, ...sections.map((section) => section.variables.properties)),
  );
  const values = Value.Convert(schema, Value.Default(schema, present(env)));
  const problems = variableProblems(schema, values as Record<string, unknown>);
  const config = {};
  for (const section of sections) {
    Object.assign(config, section.settings(values as Record<string, unknown>, problems));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

async function loadSections(): Promise<ConfigSection[]> {
  const dir = join(import.meta.dirname, "config");
  const files = (await readdir(dir)).filter((file) => /^[^.]+\.(ts|js)$/.test(file)).sort();
  const modules = await Promise.all(
    files.map((file) => import(pathToFileURL(join(dir, file)).href)),
  );
  return modules.map((module) => module.default as ConfigSection);
}

/** Blank variables count as unset, so their defaults apply. */
function present(env: Env): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") values[name] = value.trim();
  }
  return values;
}

/** One line per variable that breaks its schema, from its `description`. */
function variableProblems(schema: TObject, values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(schema.properties)) {
    if (values[name] === undefined && !schema.required?.includes(name)) continue;
    const [error] = Value.Errors(variable, values[name]);
    const description = (variable as { description?: string }).description;
    if (error) problems.push(`${name} must be ${description ?? error.message}`);
  }
  return problems;
}
