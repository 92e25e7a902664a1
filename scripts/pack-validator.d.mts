export function packValidatorCode(): string;
export function packValidator(): {
	name: string;
	resolveId(id: string): string | null;
	load(id: string): string | null;
};
