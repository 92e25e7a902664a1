import { describe, expect, it } from "vitest";
import { randomBytes } from "../src/random.js";

describe("randomBytes (the generator's secrets and staging-folder names)", () => {
	it("gives exactly the bytes asked for, different every time", () => {
		expect(randomBytes(0)).toHaveLength(0);
		expect(randomBytes(3)).toHaveLength(3);
		const secrets = new Set(Array.from({ length: 50 }, () => randomBytes(32).toString("hex")));
		expect(secrets.size).toBe(50);
		for (const secret of secrets) expect(secret).toHaveLength(64);
	});

	it("looks uniform: every byte value appears in 64 KiB, none far more often than the others", () => {
		const counts = new Array<number>(256).fill(0);
		for (const byte of randomBytes(65_536)) counts[byte] = (counts[byte] ?? 0) + 1;
		// 256 per value on average; a 5-sigma band is about 176..336.
		expect(Math.min(...counts)).toBeGreaterThan(150);
		expect(Math.max(...counts)).toBeLessThan(370);
	});
});
