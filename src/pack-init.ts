import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PlannedFile } from "./render.js";
import { writeFiles } from "./write.js";

/** A small, documented pack that extends the built-in one: what `pack init` writes, with its folder's name. */
const starterPack = fileURLToPath(new URL("../templates/pack-init/", import.meta.url));

/** Writes the starter pack into `directory` (which must be new or empty), named after the folder. */
export async function initPack(directory: string, cwd = process.cwd()): Promise<string[]> {
	const dir = path.resolve(cwd, directory);
	const plan = readdirSync(starterPack, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry): PlannedFile => {
			const file = path.join(entry.parentPath, entry.name);
			const rel = path.relative(starterPack, file).split(path.sep).join("/");
			return { path: rel, content: readFileSync(file), mode: 0o644, layer: "pack init" };
		})
		.sort((a, b) => (a.path < b.path ? -1 : 1));
	for (const file of plan.filter((f) => f.path === "pack.json")) {
		const manifest = { ...JSON.parse(file.content.toString("utf8")), name: path.basename(dir) };
		file.content = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
	}
	await writeFiles(plan, dir);
	return plan.map((f) => f.path);
}
