import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "./log.js";

/** A file of a layer, as the pack holds it. */
export interface LayerFile {
	/** Path inside the layer, `/`-separated, before renaming (`_gitignore`, `src/app.ts.ejs`). */
	source: string;
	/** Its real path, for EJS (`filename`) and messages. */
	abs: string;
	content: Buffer;
	/** 0o755 when the pack's file is executable, else 0o644. */
	mode: number;
}

// Guards against a pack that would fill memory or the disk; far above any real project.
const MAX_FILES = 20_000;
const MAX_BYTES = 256 * 1024 * 1024;

/** What the layers of one pack (with the packs it extends) have read so far, against MAX_FILES and MAX_BYTES. */
export interface Budget {
	files: number;
	bytes: number;
}

/**
 * Every file of a layer folder with its content. Symlinks are followed only while they stay inside the pack
 * (`root`); anything that is not a regular file or a folder is refused, naming it. The sizes are counted against
 * the budget before any content is read.
 */
export function readLayer(dir: string, root: string, label: string, budget: Budget): LayerFile[] {
	const found: Omit<LayerFile, "content">[] = [];
	const walk = (folder: string, rel: string, seen: Set<string>) => {
		const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
		for (const entry of entries) {
			const source = rel ? `${rel}/${entry.name}` : entry.name;
			const abs = path.join(folder, entry.name);
			const real = entry.isSymbolicLink() ? symlinkTarget(abs, root, `${label}/${source}`) : abs;
			const stat = statSync(real);
			if (stat.isDirectory()) {
				// A symlinked folder may point at one of its own ancestors.
				if (!seen.has(real)) walk(real, source, new Set([...seen, real]));
			} else if (stat.isFile()) {
				budget.files += 1;
				budget.bytes += stat.size;
				if (budget.files > MAX_FILES || budget.bytes > MAX_BYTES) {
					throw new UserError(
						`invalid pack: ${label} makes the pack larger than ${MAX_FILES} files or ${MAX_BYTES / 2 ** 20} MiB`,
					);
				}
				found.push({ source, abs: real, mode: stat.mode & 0o111 ? 0o755 : 0o644 });
			} else {
				throw new UserError(`invalid pack: ${label}/${source} is not a regular file`);
			}
		}
	};
	walk(dir, "", new Set([dir]));
	return found.map((file) => ({ ...file, content: readFileSync(file.abs) }));
}

function symlinkTarget(abs: string, root: string, shown: string): string {
	let real: string;
	try {
		real = realpathSync(abs);
	} catch {
		throw new UserError(`invalid pack: ${shown} is a broken symlink`);
	}
	if (!isInside(real, root)) throw new UserError(`invalid pack: ${shown} is a symlink leading outside the pack`);
	return real;
}

/** True when `child` is strictly below `parent` (both absolute, already real paths). */
export function isInside(child: string, parent: string): boolean {
	const rel = path.relative(parent, child);
	return rel !== "" && rel.split(path.sep)[0] !== ".." && !path.isAbsolute(rel);
}
