export async function runPackCommand(_a: string[], _l: unknown) {}
