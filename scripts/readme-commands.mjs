// Extracts the shell commands of a Markdown file: the lines of its ```sh code blocks, each block a list of
// commands with their trailing `# comments` removed. `node scripts/readme-commands.mjs README.md ["## Section"]`
// prints them, one block per paragraph; test/e2e/readme.e2e.ts runs them verbatim.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * The ```sh / ```bash / ```shell blocks of `markdown`, or of its section `heading` only (up to the next heading of
 * the same or a higher level). A command never spans lines here: a line ending in `\` is refused, not guessed at.
 */
export function shellBlocks(markdown, heading) {
	let lines = markdown.split("\n");
	if (heading) {
		const level = /^#+/.exec(heading)?.[0].length ?? 0;
		const start = lines.findIndex((line) => line.trim() === heading.trim());
		if (start < 0) throw new Error(`no section ${JSON.stringify(heading)}`);
		const rest = lines.slice(start + 1);
		const end = rest.findIndex((line) => {
			const hashes = /^(#+)\s/.exec(line)?.[1].length;
			return hashes !== undefined && hashes <= level;
		});
		lines = end < 0 ? rest : rest.slice(0, end);
	}
	const blocks = [];
	let current;
	for (const line of lines) {
		if (current === undefined) {
			if (/^```(sh|bash|shell)\s*$/.test(line.trim())) current = [];
			continue;
		}
		if (line.trim() === "```") {
			blocks.push(current);
			current = undefined;
			continue;
		}
		const command = stripComment(line).trim();
		if (command.endsWith("\\")) throw new Error(`a command continues on the next line: ${line}`);
		if (command) current.push(command);
	}
	if (current !== undefined) throw new Error("a code block is not closed");
	return blocks;
}

/** `npm test   # run the tests` → `npm test`; a `#` inside quotes or a word (`a#b`) stays. */
function stripComment(line) {
	let quote = "";
	for (let i = 0; i < line.length; i++) {
		const c = line[i];
		if (quote) {
			if (c === quote) quote = "";
		} else if (c === "'" || c === '"') quote = c;
		else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
	}
	return line;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	const [file, heading] = process.argv.slice(2);
	if (!file) {
		process.stderr.write('usage: node scripts/readme-commands.mjs FILE.md ["## Section"]\n');
		process.exit(2);
	}
	const blocks = shellBlocks(readFileSync(file, "utf8"), heading);
	process.stdout.write(`${blocks.map((b) => b.join("\n")).join("\n\n")}\n`);
}
