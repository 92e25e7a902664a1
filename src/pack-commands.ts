import path from "node:path";
import { type Logger, UserError } from "./log.js";
import { loadPack, type PackOption } from "./packs.js";
import { type PlannedFile, planFiles } from "./render.js";
import { writeFiles } from "./write.js";

export interface PackCheck {
	pack: string;
	combinations: number;
	errors: { answers: Record<string, string>; message: string }[];
}

// Rendering is in memory, but a pack with a dozen options would still take hours.
const MAX_COMBINATIONS = 4096;

/** Validates a pack and renders every combination of its options in memory; errors name the file and layer. */
export async function checkPack(ref: string, cwd = process.cwd()): Promise<PackCheck> {
	const pack = await loadPack(ref, cwd);
	const combinations = combinationsOf(pack.options);
	if (combinations.length > MAX_COMBINATIONS) {
		throw new UserError(
			`${pack.name} has ${combinations.length} combinations of options; pack check renders at most ${MAX_COMBINATIONS}`,
		);
	}
	const errors: PackCheck["errors"] = [];
	for (const answers of combinations) {
		try {
			planFiles(pack, { answers, projectName: "pack-check", stamp: {} });
		} catch (error) {
			errors.push({ answers, message: (error as Error).message });
		}
	}
	return { pack: pack.name, combinations: combinations.length, errors };
}

/** Every combination of the options' choices, in manifest order. */
export function combinationsOf(options: PackOption[]): Record<string, string>[] {
	return options.reduce<Record<string, string>[]>(
		(all, option) => all.flatMap((answers) => option.choices.map((choice) => ({ ...answers, [option.name]: choice }))),
		[{}],
	);
}

/** Writes a small, documented pack that extends the built-in one (and passes `pack check`). */
export async function initPack(directory: string, cwd = process.cwd()): Promise<string[]> {
	const dir = path.resolve(cwd, directory);
	const file = (rel: string, text: string): PlannedFile => ({
		path: rel,
		content: Buffer.from(text),
		mode: 0o644,
		layer: "pack init",
	});
	const plan = [
		file("pack.json", `${JSON.stringify(starterManifest(path.basename(dir)), null, 2)}\n`),
		file("README.md", STARTER_README),
		file(
			"layers/house/package.json",
			`${JSON.stringify({ scripts: { hello: "node -e \"console.log('hello from the pack')\"" } }, null, 2)}\n`,
		),
		// Same output path as the built-in pack's README.md.ejs: a later layer's file replaces an earlier one.
		file(
			"layers/house/README.md.ejs",
			"# <%= projectName %>\n\nA <%= api %> API on <%= db %>, made with our house pack. Run `npm run dev`.\n",
		),
		file(
			"layers/house/docs/HOUSE-RULES.md.ejs",
			"# <%= projectName %>\n\nMade with api=<%= api %>, db=<%= db %>, auth=<%= auth %>.\n",
		),
		file("layers/example/src/example.ts.ejs", 'export const example = "<%= projectName %>";\n'),
	];
	await writeFiles(plan, dir);
	return plan.map((f) => f.path);
}

function starterManifest(name: string) {
	return {
		$schema: "https://unpkg.com/create-backend-starter/schema/pack.schema.json",
		name,
		description: "House rules on top of the built-in pack",
		extends: "create-backend-starter",
		options: [{ name: "example", message: "Add an example module?", choices: ["no", "yes"], default: "no" }],
		layers: [{ dir: "layers/house" }, { dir: "layers/example", when: { example: "yes" } }],
		nextSteps: ["dev"],
	};
}

const STARTER_README = `# A create-backend-starter pack

Use it: \`npx create-backend-starter my-api --pack ./this-folder\` (its options become flags: \`--example yes\`).
Check it: \`npx create-backend-starter pack check ./this-folder\` renders every combination of options.

- \`pack.json\` lists the options (each is a question and a flag) and the layers, applied in order after the
  built-in pack's layers (\`extends\`). A layer's \`when\` is \`{ "option": "value" }\` or a list of values.
- Files ending in \`.ejs\` are rendered with EJS (\`<%= projectName %>\`, \`<%= api %>\`, every option by name,
  \`<%= randomSecret() %>\`); other files are copied as they are. \`_name\` is written as \`.name\`.
- A later layer's file replaces an earlier one at the same path (\`layers/house/README.md.ejs\` replaces the
  built-in README), except that a layer's \`package.json\` is merged into the project's and \`_env.example\`
  fragments are appended.
- A pack is code: its templates run JavaScript, so use packs you trust as you would an npm package.
`;

const checkFlags = {
	build: { type: "boolean", describe: "Also generate each combination, npm install, type-check and test it" },
	only: {
		type: "string",
		array: true,
		implies: "build",
		describe: "Build only combinations with these values, e.g. --only db=sql --only api=rest,graphql",
	},
	jobs: { type: "number", default: 1, describe: "Combinations built at a time" },
} as const;

/** `create-backend-starter pack check|init …` */
export async function runPackCommand(argv: string[], log: Logger): Promise<void> {
	const { default: yargs } = await import("yargs");
	let action: (() => Promise<void>) | undefined;
	await yargs(argv)
		.scriptName("create-backend-starter pack")
		.command("check <pack>", "Validate a pack and render every combination of its options", checkFlags, (args) => {
			action = async () => {
				await reportCheck(String(args.pack), log);
				if (!args.build) return;
				const { reportBuild } = await import("./pack-build.js");
				await reportBuild(String(args.pack), { only: (args.only ?? []).map(String), jobs: args.jobs }, log);
			};
		})
		.command("init <directory>", "Write a new pack that extends the built-in one", {}, (args) => {
			action = async () => {
				const files = await initPack(String(args.directory));
				log.step(`Wrote a pack with ${files.length} files in ${args.directory}`);
				process.stdout.write(`Try it: create-backend-starter pack check ${args.directory}\n`);
			};
		})
		.demandCommand(1, "name a subcommand: check or init")
		.version(false)
		.strict()
		.exitProcess(false)
		.fail((message, error) => {
			throw new UserError(
				`${(message ?? error?.message ?? "invalid usage").replace(/\s*\n\s*/g, " ")} (see pack --help)`,
			);
		})
		.parseAsync();
	await action?.();
}

async function reportCheck(ref: string, log: Logger): Promise<void> {
	const result = await checkPack(ref);
	for (const { answers, message } of result.errors) {
		process.stderr.write(
			`${Object.entries(answers)
				.map(([k, v]) => `${k}=${v}`)
				.join(" ")}: ${message}\n`,
		);
	}
	if (result.errors.length > 0) {
		throw new UserError(
			`${result.errors.length} of ${result.combinations} combinations of ${result.pack} failed to render`,
			1,
		);
	}
	log.step(`Rendered ${result.combinations} combinations of ${result.pack}: no errors`);
}
