import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ejs from "ejs";
import { describe, expect, it } from "vitest";
import { precompiled } from "../src/render.js";
import { ROOT } from "./helpers.js";

const templates = path.join(ROOT, "templates", "backend");
const files = readdirSync(templates, { recursive: true, withFileTypes: true })
	.filter((entry) => entry.isFile() && entry.name.endsWith(".ejs"))
	.map((entry) => path.join(entry.parentPath, entry.name))
	.sort();
const pack = JSON.parse(readFileSync(path.join(templates, "pack.json"), "utf8")) as {
	options: { name: string; choices: string[] }[];
};
const combinations = pack.options.reduce<Record<string, string>[]>(
	(all, option) => all.flatMap((answers) => option.choices.map((choice) => ({ ...answers, [option.name]: choice }))),
	[{}],
);

// The global setup ran `npm run build`, which compiled the templates as they were then; one edited since is not in
// the map (render.ts then compiles it with EJS), so each template is compared only when its text is there.
describe("the built-in templates compiled at build time render what EJS renders", () => {
	it("covers the built-in templates", () => {
		expect(files.length).toBeGreaterThan(0);
		expect(precompiled().size).toBeGreaterThan(0);
	});

	it.each(files.map((file) => [path.relative(templates, file), file]))("%s", (_, file) => {
		const text = readFileSync(file, "utf8");
		const compiled = precompiled().get(text);
		if (!compiled) return;
		for (const answers of combinations) {
			const data = { ...answers, projectName: "@acme/api", randomSecret: (n = 32) => `secret-${n}` };
			const viaEjs = ejs.compile(text, {
				async: false,
				escape: (value: unknown) => String(value),
				compileDebug: true,
				filename: file,
				root: templates,
			})(data);
			const locals = Object.assign(Object.create(null), data);
			expect(
				compiled(locals, (value) => String(value), undefined, undefined),
				JSON.stringify(answers),
			).toBe(viaEjs);
		}
	});
});
