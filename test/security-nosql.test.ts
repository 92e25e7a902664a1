// SEC-51 (MongoDB operator injection) without a MongoDB server, which this machine does not have: the built-in
// pack's MongoDB repositories run against a recording stub of the driver's collection, and every filter they build
// from hostile input is checked to hold that input only as the operand of a comparison (`$eq`, or `$lt` for the
// page cursor). MongoDB compares such an operand as a whole value, so an operator-shaped object ({"$ne": null},
// {"$regex": ".*"}, …) can then only match a document that stores that very object: it is never run as an
// operator. (The services also refuse non-string input before any repository call.) The generated projects' own tests
// exercise the same repositories against a real MongoDB where one is available.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

// The repositories import siblings from other layers (../errors.ts from base, ../db/errors.ts from nosql): assemble
// the few files as a generated project would hold them, then import them from there.
const layers = process.env.CBS_SECURITY_LAYERS ?? path.join(ROOT, "templates/backend/layers"); // another copy: to check the test
let tree = "";
type NotesModule = typeof import("../templates/backend/layers/nosql/src/notes/repository.ts");
type AuthModule = typeof import("../templates/backend/layers/auth-jwt-nosql/src/auth/repository.ts");
let createNotesRepository: NotesModule["createNotesRepository"];
let createAuthRepository: AuthModule["createAuthRepository"];

beforeAll(async () => {
	tree = mkdtempSync(path.join(os.tmpdir(), "cbs-nosql-"));
	for (const [layer, file] of [
		["base", "src/errors.ts"],
		["base", "src/notes/errors.ts"],
		["nosql", "src/db/errors.ts"],
		["nosql", "src/notes/repository.ts"],
		["auth-jwt-nosql", "src/auth/repository.ts"],
	] as const) {
		cpSync(path.join(layers, layer, file), path.join(tree, file));
	}
	({ createNotesRepository } = (await import(path.join(tree, "src/notes/repository.ts"))) as NotesModule);
	({ createAuthRepository } = (await import(path.join(tree, "src/auth/repository.ts"))) as AuthModule);
});

afterAll(() => {
	rmSync(tree, { recursive: true, force: true });
});

const PAYLOADS: unknown[] = [
	{ $ne: null },
	{ $gt: "" },
	{ $regex: ".*" },
	{ $where: "sleep(5000)" },
	{ $nor: [{ ownerId: "a" }] },
	{ $in: ["a", "b"] },
	{ $exists: true },
];

/** A stand-in for the driver: records every filter and update, finds nothing. */
function recordingDatabase() {
	const calls: { method: string; args: unknown[] }[] = [];
	const cursor = { sort: () => cursor, limit: () => cursor, project: () => cursor, toArray: async () => [] };
	const collection = new Proxy(
		{},
		{
			get:
				(_target, method: string) =>
				(...args: unknown[]) => {
					calls.push({ method, args });
					if (method === "find") return cursor;
					if (method === "deleteOne" || method === "deleteMany") return Promise.resolve({ deletedCount: 0 });
					if (method === "updateMany" || method === "updateOne")
						return Promise.resolve({ matchedCount: 0, modifiedCount: 0 });
					if (method === "insertOne") return Promise.resolve({ acknowledged: true });
					return Promise.resolve(null);
				},
		},
	);
	const database = { db: { collection: () => collection } };
	return { database: database as never, calls };
}

/** Every place in `value` where `payload` (by identity) appears, as a path of keys. */
function placesOf(value: unknown, payload: unknown, path: string[] = []): string[][] {
	if (value === payload) return [path];
	if (typeof value !== "object" || value === null || value instanceof Date) return [];
	return Object.entries(value).flatMap(([key, inner]) => placesOf(inner, payload, [...path, key]));
}

const COMPARISONS = new Set(["$eq", "$lt", "$lte", "$gt", "$gte"]);

/**
 * The payload may only be the operand of a comparison operator ($eq, $lt, …: MongoDB compares the operand as a
 * value and never reads operators inside it), under no other operator than $and/$or, or a stored value in an
 * insert. A payload in a field's position ({email: payload}) would be read as an operator expression.
 */
function expectOnlyEq(calls: { method: string; args: unknown[] }[], payload: unknown) {
	let seen = 0;
	for (const { method, args } of calls) {
		if (method === "insertOne") continue; // stored as data, never interpreted
		for (const place of placesOf(args, payload)) {
			seen += 1;
			const where = `${method}(${JSON.stringify(args)})`;
			expect(COMPARISONS.has(place.at(-1) ?? ""), where).toBe(true);
			const outer = place.slice(0, -1).filter((key) => key.startsWith("$"));
			expect(
				outer.every((key) => key === "$or" || key === "$and"),
				where,
			).toBe(true);
		}
	}
	return seen;
}

describe("SEC-51 operator injection cannot reach MongoDB filters (recording stub)", () => {
	it("notes: ids and owners from input are only ever compared with $eq", async () => {
		for (const payload of PAYLOADS) {
			const { database, calls } = recordingDatabase();
			const notes = createNotesRepository(database);
			const hostile = payload as string;
			await notes.get(hostile, hostile);
			await notes.get("owner-a", hostile);
			await notes.update("owner-a", hostile, { title: "t", updatedAt: new Date() } as never);
			await notes.delete("owner-a", hostile);
			await notes.list(hostile, 20, undefined);
			await notes.list("owner-a", 20, { createdAt: new Date(), id: hostile });
			expect(expectOnlyEq(calls, payload)).toBeGreaterThanOrEqual(6);
			// every notes filter is scoped to an owner
			for (const { method, args } of calls.filter((c) => c.method !== "insertOne")) {
				expect(JSON.stringify(args[0]), method).toContain('"ownerId":{"$eq"');
			}
		}
	});

	it("auth: emails, ids and token hashes from input are only ever compared with $eq", async () => {
		for (const payload of PAYLOADS) {
			const { database, calls } = recordingDatabase();
			const auth = createAuthRepository(database);
			const hostile = payload as string;
			await auth.findUserByEmail(hostile);
			await auth.findUserById(hostile);
			await auth.consumeRefreshToken(hostile, new Date());
			await auth.findFamily(hostile);
			await auth.revokeFamily(hostile, new Date());
			expect(expectOnlyEq(calls, payload)).toBeGreaterThanOrEqual(5);
		}
	});

	it("the check is not vacuous: a filter built without $eq is caught", () => {
		const payload = { $ne: null };
		expect(() => expectOnlyEq([{ method: "findOne", args: [{ email: payload }] }], payload)).toThrow();
	});
});
