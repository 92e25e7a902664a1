/** The commands of each ```sh block of `markdown` (or of its section `heading`), comments removed. */
export function shellBlocks(markdown: string, heading?: string): string[][];
