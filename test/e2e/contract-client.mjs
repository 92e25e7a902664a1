#!/usr/bin/env node
// Drives the HTTP contract of a generated backend (CONTRACT.md §2) against a running server, from outside.
//
//   node contract-client.mjs --url http://127.0.0.1:3000 --api rest|graphql --auth jwt|none [--verbose]
//
// Plain Node (>= 22) ESM, no dependencies. Prints one line per group of checks, stops at the first failed check
// with a message that says what was sent and what came back, and ends with "N passed, M failed".
// --keep-going runs the later groups after a failed one (M then counts failed groups; a group that needs what a
// failed one should have made fails too, and says so).
// Exit codes: 0 all passed, 1 a check failed, 2 bad usage.
// It registers a few users and logs in only a handful of times (login is rate-limited).
// --violations FILE (for a run through `prism proxy`, SEC-82): writes one JSON line per response that carried
// Prism's `sl-violations` header ({method, path, status, violations}) and a last line {"requests": N}.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const usage =
	"usage: node contract-client.mjs --url http://127.0.0.1:PORT --api rest|graphql --auth jwt|none [--env development|production] [--keep-going] [--violations FILE] [--verbose]";
let args;
try {
	args = parseArgs({
		options: {
			url: { type: "string" },
			api: { type: "string", default: "rest" },
			auth: { type: "string", default: "jwt" },
			env: { type: "string", default: "development" },
			verbose: { type: "boolean", default: false },
			"keep-going": { type: "boolean", default: false },
			violations: { type: "string" },
			help: { type: "boolean", default: false },
		},
	}).values;
} catch (error) {
	console.error(`${error.message}\n${usage}`);
	process.exit(2);
}
if (args.help) {
	console.log(usage);
	process.exit(0);
}
if (
	!args.url ||
	!["rest", "graphql"].includes(args.api) ||
	!["jwt", "none"].includes(args.auth) ||
	!["development", "production"].includes(args.env)
) {
	console.error(usage);
	process.exit(2);
}
const base = args.url.replace(/\/+$/, "");
const api = args.api;
const jwt = args.auth === "jwt";
// The NODE_ENV the server runs with: in production GraphiQL is 404 and introspection is off; all else is the same.
const production = args.env === "production";
const run = randomBytes(4).toString("hex");

// ---------------------------------------------------------------------------------------------------------------
// Checks

let passed = 0;
let requests = 0;
const violationLog = [];
class CheckFailed extends Error {}

function snip(text, max = 400) {
	if (text === undefined) return "";
	const s = typeof text === "string" ? text : JSON.stringify(text);
	return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

function check(condition, message, detail) {
	if (!condition) throw new CheckFailed(detail ? `${message}\n    ${snip(detail, 600)}` : message);
	passed++;
}

function show(value) {
	return typeof value === "string" ? JSON.stringify(value) : snip(value, 200);
}

function equal(actual, expected, message) {
	check(Object.is(actual, expected), `${message}: expected ${show(expected)}, got ${show(actual)}`);
}

function sameKeys(object, keys, what) {
	const actual = object && typeof object === "object" ? Object.keys(object).sort() : [];
	check(
		JSON.stringify(actual) === JSON.stringify([...keys].sort()),
		`${what}: expected exactly the fields ${keys.join(", ")}, got ${actual.join(", ") || show(object)}`,
	);
}

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

// ---------------------------------------------------------------------------------------------------------------
// HTTP

async function http(method, fullPath, { json, body, token, headers = {}, allowServerError = false } = {}) {
	// `path` is what messages show: a very long one is cut short.
	const path = fullPath.length > 100 ? `${fullPath.slice(0, 60)}… (${fullPath.length} characters)` : fullPath;
	const sent = { ...headers };
	let payload = body;
	if (json !== undefined) {
		sent["content-type"] = "application/json";
		payload = JSON.stringify(json);
	}
	if (token) sent.authorization = `Bearer ${token}`;
	let res;
	try {
		res = await fetch(base + fullPath, { method, headers: sent, body: payload, signal: AbortSignal.timeout(20_000) });
	} catch (error) {
		throw new CheckFailed(`${method} ${path}: request failed: ${error.cause?.message ?? error.message}`);
	}
	const text = await res.text();
	let data;
	try {
		data = text ? JSON.parse(text) : undefined;
	} catch {
		data = undefined;
	}
	requests++;
	const violations = res.headers.get("sl-violations");
	if (violations !== null) {
		let parsed;
		try {
			parsed = JSON.parse(violations);
		} catch {
			parsed = [{ location: ["unparsed"], message: violations, severity: "Error" }];
		}
		violationLog.push({
			method,
			path: fullPath.length > 300 ? path : fullPath,
			status: res.status,
			violations: parsed,
		});
	}
	const r = {
		method,
		path,
		url: res.url,
		status: res.status,
		headers: res.headers,
		type: res.headers.get("content-type") ?? "",
		text,
		data,
	};
	if (args.verbose) console.log(`    ${method} ${path} → ${r.status} ${snip(text, 160)}`);
	if (res.status === 429) {
		throw new CheckFailed(
			`${method} ${path} → 429 (rate-limited, Retry-After: ${res.headers.get("retry-after")}); this client sends only a few requests per route`,
		);
	}
	if (res.status >= 500 && !allowServerError) {
		throw new CheckFailed(`${method} ${path} → ${res.status}: a server error is never part of the contract`, text);
	}
	return r;
}

function expectStatus(r, expected, what) {
	check(r.status === expected, `${what}: ${r.method} ${r.path} → expected ${expected}, got ${r.status}`, r.text);
}

function expectJson(r, expected, what) {
	expectStatus(r, expected, what);
	check(/^application\/json\b/.test(r.type), `${what}: content-type should be application/json, got "${r.type}"`);
	check(r.data !== undefined, `${what}: the body is not JSON`, r.text);
	return r.data;
}

function expectProblem(r, expected, what) {
	expectStatus(r, expected, what);
	check(
		r.type.startsWith("application/problem+json"),
		`${what}: content-type should be application/problem+json, got "${r.type}"`,
		r.text,
	);
	const p = r.data;
	check(p !== null && typeof p === "object", `${what}: the problem body is not a JSON object`, r.text);
	for (const key of ["type", "title", "detail"]) {
		check(typeof p[key] === "string", `${what}: problem.${key} should be a string`, r.text);
	}
	equal(p.status, expected, `${what}: problem.status`);
	return p;
}

function decodeJwt(token, what) {
	const parts = String(token).split(".");
	check(parts.length === 3, `${what}: not a JWT (expected three dot-separated parts)`, token);
	try {
		const [header, payload] = parts
			.slice(0, 2)
			.map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")));
		return { header, payload, parts };
	} catch {
		throw new CheckFailed(`${what}: the JWT header or payload is not base64url JSON: ${token}`);
	}
}

const b64 = (object) => Buffer.from(JSON.stringify(object)).toString("base64url");

// Tokens that must all be refused (401 / UNAUTHENTICATED), built from a valid access token and a refresh token.
function forgedTokens(accessToken, refreshToken) {
	const { header, payload, parts } = decodeJwt(accessToken, "access token");
	const forged = [
		["no signature (alg none)", `${b64({ alg: "none", typ: "JWT" })}.${parts[1]}.`],
		["alg HS512 with the HS256 signature", `${b64({ ...header, alg: "HS512" })}.${parts[1]}.${parts[2]}`],
		["payload changed, signature kept", `${parts[0]}.${b64({ ...payload, sub: `${payload.sub}x` })}.${parts[2]}`],
		["signature of another key", `${parts[0]}.${parts[1]}.${Buffer.from(randomBytes(32)).toString("base64url")}`],
		["not a token", "not-a-token"],
	];
	if (refreshToken && refreshToken !== accessToken) forged.push(["a refresh token", refreshToken]);
	return forged;
}

// ---------------------------------------------------------------------------------------------------------------
// Groups

const groups = [];
const group = (name, fn) => groups.push({ name, fn });
const state = {};

group("health", async () => {
	const r = await http("GET", "/health");
	const body = expectJson(r, 200, "GET /health");
	equal(body.status, "ok", "GET /health: status");
});

group("ready", async () => {
	const r = await http("GET", "/ready", { allowServerError: true });
	expectStatus(r, 200, "GET /ready with the database answering");
});

group("unknown route → 404 problem", async () => {
	expectProblem(await http("GET", `/no-such-route-${run}`), 404, "GET of an unknown route");
	expectProblem(await http("POST", `/no-such-route-${run}/x`, { json: { a: 1 } }), 404, "POST to an unknown route");
});

// ---------------------------------------------------------------------------------------------------------------
// Browser pages: served with every asset from the server itself.

async function checkPage(path) {
	const r = await http("GET", path);
	expectStatus(r, 200, `GET ${path}`);
	check(/^text\/html\b/.test(r.type), `GET ${path}: content-type should be text/html, got "${r.type}"`);
	check(
		r.headers.has("content-security-policy"),
		`GET ${path}: no Content-Security-Policy header (the page must work under the server's own CSP)`,
	);
	const origin = new URL(base).origin;
	const refs = [...r.text.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map(
		(m) => m[1],
	);
	const external = refs.filter((ref) => /^(https?:)?\/\//i.test(ref) && new URL(ref, r.url).origin !== origin);
	check(external.length === 0, `GET ${path}: the page loads assets from elsewhere: ${external.join(", ")}`);
	for (const ref of refs.filter((ref) => !/^(data|blob):/i.test(ref)).slice(0, 8)) {
		const asset = new URL(ref, r.url);
		const a = await http("GET", asset.pathname + asset.search);
		check(a.status === 200, `GET ${path}: its asset ${asset.pathname} → ${a.status}, expected 200`, a.text);
	}
}

// ---------------------------------------------------------------------------------------------------------------
// REST

const email = (who) => `${who}-${run}@example.com`;
const password = "correct horse battery";

function expectAuthPayload(body, what, mail) {
	sameKeys(body, ["user", "accessToken", "refreshToken"], what);
	sameKeys(body.user, ["id", "email"], `${what}: user`);
	check(typeof body.user.id === "string" && body.user.id.length > 0, `${what}: user.id should be a non-empty string`);
	equal(body.user.email.toLowerCase(), mail.toLowerCase(), `${what}: user.email`);
	check(typeof body.accessToken === "string" && body.accessToken.length > 0, `${what}: accessToken`);
	check(typeof body.refreshToken === "string" && body.refreshToken.length > 0, `${what}: refreshToken`);
	return body;
}

function expectNote(note, what, expected = {}) {
	sameKeys(note, ["id", "title", "body", "createdAt", "updatedAt"], what);
	check(typeof note.id === "string" && note.id.length > 0, `${what}: id should be a non-empty string`);
	check(isoDate.test(note.createdAt), `${what}: createdAt should be ISO 8601, got ${show(note.createdAt)}`);
	check(isoDate.test(note.updatedAt), `${what}: updatedAt should be ISO 8601, got ${show(note.updatedAt)}`);
	for (const [key, value] of Object.entries(expected)) equal(note[key], value, `${what}: ${key}`);
	return note;
}

function checkTokenClaims(accessToken, userId) {
	const { header, payload } = decodeJwt(accessToken, "access token");
	equal(header.alg, "HS256", "access token header alg");
	equal(payload.sub, userId, "access token sub (the user id)");
	check(Number.isInteger(payload.iat), `access token iat should be an integer, got ${show(payload.iat)}`);
	check(Number.isInteger(payload.exp), `access token exp should be an integer, got ${show(payload.exp)}`);
	const ttl = payload.exp - payload.iat;
	check(ttl >= 14 * 60 && ttl <= 16 * 60, `access token lifetime should be about 15 minutes, got ${ttl} s`);
	check(Math.abs(payload.iat - Date.now() / 1000) < 300, `access token iat is not now: ${payload.iat}`);
	check(typeof payload.iss === "string" && payload.iss.length > 0, `access token iss missing: ${show(payload)}`);
	check(
		(typeof payload.aud === "string" && payload.aud.length > 0) || Array.isArray(payload.aud),
		`access token aud missing: ${show(payload)}`,
	);
}

function restGroups() {
	group("GET /openapi.json lists every route", async () => {
		const doc = expectJson(await http("GET", "/openapi.json"), 200, "GET /openapi.json");
		check(/^3\.1\./.test(String(doc.openapi)), `openapi should be 3.1.x, got ${show(doc.openapi)}`);
		const paths = doc.paths ?? {};
		const expected = {
			"/health": ["get"],
			"/ready": ["get"],
			"/notes": ["get", "post"],
			"/notes/{id}": ["get", "patch", "delete"],
		};
		if (jwt) {
			for (const route of ["register", "login", "refresh", "logout"]) expected[`/auth/${route}`] = ["post"];
			expected["/auth/me"] = ["get"];
		}
		for (const [path, methods] of Object.entries(expected)) {
			check(path in paths, `/openapi.json has no path ${path} (it has: ${Object.keys(paths).join(", ")})`);
			for (const method of methods) {
				check(method in paths[path], `/openapi.json has no ${method.toUpperCase()} ${path}`);
			}
		}
		if (!jwt) {
			const auth = Object.keys(paths).filter((path) => path.startsWith("/auth"));
			check(auth.length === 0, `without auth, /openapi.json should list no /auth routes, got ${auth.join(", ")}`);
		}
	});

	group("GET /docs serves its page and assets itself", () => checkPage("/docs"));

	if (jwt) {
		group("POST /auth/register", async () => {
			const a = expectAuthPayload(
				expectJson(
					await http("POST", "/auth/register", { json: { email: email("a"), password } }),
					201,
					"register a new user",
				),
				"register",
				email("a"),
			);
			state.a = { ...a, email: email("a") };
			expectProblem(
				await http("POST", "/auth/register", { json: { email: email("a"), password } }),
				409,
				"register an email already taken",
			);
			expectProblem(
				await http("POST", "/auth/register", { json: { email: email("a").toUpperCase(), password } }),
				409,
				"register an email already taken, in another case",
			);
			expectProblem(
				await http("POST", "/auth/register", { json: { email: "not-an-email", password } }),
				400,
				"register an invalid email",
			);
			expectProblem(
				await http("POST", "/auth/register", { json: { email: email("short"), password: "1234567" } }),
				400,
				"register a 7-character password",
			);
			expectProblem(
				await http("POST", "/auth/register", { json: { email: email("extra"), password, role: "admin" } }),
				400,
				"register with an unknown field",
			);
		});

		group("access token claims", async () => {
			checkTokenClaims(state.a.accessToken, state.a.user.id);
			for (const [what, token] of forgedTokens(state.a.accessToken, state.a.refreshToken)) {
				expectProblem(await http("GET", "/auth/me", { token }), 401, `GET /auth/me with a forged token (${what})`);
			}
		});

		group("POST /auth/login", async () => {
			const ok = expectAuthPayload(
				expectJson(await http("POST", "/auth/login", { json: { email: email("a"), password } }), 200, "login"),
				"login",
				email("a"),
			);
			equal(ok.user.id, state.a.user.id, "login: user.id is the registered one");
			state.login = ok;
			const upper = await http("POST", "/auth/login", { json: { email: email("a").toUpperCase(), password } });
			expectJson(upper, 200, "login with the email in another case");
			const wrongPassword = expectProblem(
				await http("POST", "/auth/login", { json: { email: email("a"), password: `${password}!` } }),
				401,
				"login with a wrong password",
			);
			const wrongEmail = expectProblem(
				await http("POST", "/auth/login", { json: { email: email("nobody"), password } }),
				401,
				"login with an unknown email",
			);
			equal(wrongEmail.detail, wrongPassword.detail, "login: the same message for a wrong email and a wrong password");
			equal(wrongEmail.title, wrongPassword.title, "login: the same title for a wrong email and a wrong password");
		});

		group("GET /auth/me", async () => {
			const me = expectJson(await http("GET", "/auth/me", { token: state.a.accessToken }), 200, "GET /auth/me");
			sameKeys(me, ["id", "email"], "GET /auth/me");
			equal(me.id, state.a.user.id, "GET /auth/me: id");
			expectProblem(await http("GET", "/auth/me"), 401, "GET /auth/me without a token");
		});

		group("POST /auth/refresh rotates; reuse revokes the family", async () => {
			const first = state.login.refreshToken;
			const second = expectAuthPayload(
				expectJson(await http("POST", "/auth/refresh", { json: { refreshToken: first } }), 200, "refresh"),
				"refresh",
				email("a"),
			);
			check(second.refreshToken !== first, "refresh: the new refresh token equals the old one");
			expectJson(
				await http("GET", "/auth/me", { token: second.accessToken }),
				200,
				"GET /auth/me with the refreshed token",
			);
			const third = expectAuthPayload(
				expectJson(
					await http("POST", "/auth/refresh", { json: { refreshToken: second.refreshToken } }),
					200,
					"refresh with the new token",
				),
				"refresh",
				email("a"),
			);
			expectProblem(
				await http("POST", "/auth/refresh", { json: { refreshToken: first } }),
				401,
				"refresh with a token already used (reuse)",
			);
			expectProblem(
				await http("POST", "/auth/refresh", { json: { refreshToken: third.refreshToken } }),
				401,
				"refresh with the newest token of a family revoked by reuse",
			);
			expectProblem(
				await http("POST", "/auth/refresh", { json: { refreshToken: `garbage-${run}` } }),
				401,
				"refresh with a garbage token",
			);
			expectProblem(
				await http("POST", "/auth/refresh", { json: { refreshToken: state.a.refreshToken, extra: 1 } }),
				400,
				"refresh with an unknown field",
			);
		});

		group("POST /auth/logout", async () => {
			const pair = expectJson(
				await http("POST", "/auth/refresh", { json: { refreshToken: state.a.refreshToken } }),
				200,
				"refresh the token from register",
			);
			const r = await http("POST", "/auth/logout", { json: { refreshToken: pair.refreshToken } });
			expectStatus(r, 204, "logout");
			equal(r.text, "", "logout: a 204 has no body");
			expectProblem(
				await http("POST", "/auth/refresh", { json: { refreshToken: pair.refreshToken } }),
				401,
				"refresh after logout",
			);
		});
	} else {
		group("auth routes are absent (--auth none)", async () => {
			for (const route of ["register", "login", "refresh", "logout"]) {
				const r = await http("POST", `/auth/${route}`, { json: { email: email("a"), password, refreshToken: "x" } });
				expectProblem(r, 404, `POST /auth/${route} without auth`);
			}
			expectProblem(await http("GET", "/auth/me"), 404, "GET /auth/me without auth");
		});
	}

	const token = () => (jwt ? state.a.accessToken : undefined);

	group("notes: create, get, patch, delete", async () => {
		const created = expectNote(
			expectJson(
				await http("POST", "/notes", { token: token(), json: { title: "First", body: "Hello" } }),
				201,
				"POST /notes",
			),
			"POST /notes",
			{ title: "First", body: "Hello" },
		);
		state.note = created;
		expectNote(
			expectJson(await http("GET", `/notes/${created.id}`, { token: token() }), 200, "GET /notes/:id"),
			"GET /notes/:id",
			created,
		);
		const titled = expectNote(
			expectJson(
				await http("PATCH", `/notes/${created.id}`, { token: token(), json: { title: "Renamed" } }),
				200,
				"PATCH /notes/:id {title}",
			),
			"PATCH {title}",
			{ id: created.id, title: "Renamed", body: "Hello", createdAt: created.createdAt },
		);
		check(
			Date.parse(titled.updatedAt) >= Date.parse(created.updatedAt),
			`PATCH: updatedAt went back: ${titled.updatedAt} < ${created.updatedAt}`,
		);
		expectNote(
			expectJson(
				await http("PATCH", `/notes/${created.id}`, { token: token(), json: { body: "" } }),
				200,
				"PATCH /notes/:id {body: ''}",
			),
			"PATCH {body}",
			{ id: created.id, title: "Renamed", body: "" },
		);
		const gone = expectNote(
			expectJson(
				await http("POST", "/notes", { token: token(), json: { title: "x".repeat(200), body: "y".repeat(10_000) } }),
				201,
				"POST /notes with a 200-character title and a 10000-character body",
			),
			"POST /notes (longest)",
		);
		const del = await http("DELETE", `/notes/${gone.id}`, { token: token() });
		expectStatus(del, 204, "DELETE /notes/:id");
		equal(del.text, "", "DELETE: a 204 has no body");
		expectProblem(await http("GET", `/notes/${gone.id}`, { token: token() }), 404, "GET a deleted note");
		expectProblem(
			await http("PATCH", `/notes/${gone.id}`, { token: token(), json: { title: "z" } }),
			404,
			"PATCH a deleted note",
		);
		expectProblem(await http("DELETE", `/notes/${gone.id}`, { token: token() }), 404, "DELETE a deleted note");
		state.deletedId = gone.id;
	});

	group("notes: validation", async () => {
		const bad = [
			[{ title: "", body: "b" }, "an empty title"],
			[{ title: "t".repeat(201), body: "b" }, "a 201-character title"],
			[{ title: "t", body: "b".repeat(10_001) }, "a 10001-character body"],
			[{ body: "b" }, "no title"],
			[{ title: "t" }, "no body"],
			[{ title: "t", body: "b", ownerId: "someone" }, "an unknown field"],
			[{ title: 5, body: "b" }, "a number as title"],
		];
		for (const [json, what] of bad) {
			expectProblem(await http("POST", "/notes", { token: token(), json }), 400, `POST /notes with ${what}`);
		}
		const id = state.note.id;
		expectProblem(
			await http("PATCH", `/notes/${id}`, { token: token(), json: { title: "ok", extra: true } }),
			400,
			"PATCH /notes/:id with an unknown field",
		);
		expectProblem(
			await http("PATCH", `/notes/${id}`, { token: token(), json: { title: "" } }),
			400,
			"PATCH /notes/:id with an empty title",
		);
		const malformedIds = [
			"zzz",
			"1",
			"%27%20OR%201%3D1--",
			"%00",
			"ffffffffffffffffffffffff",
			"00000000-0000-0000-0000-000000000000",
			"x".repeat(90),
			"x".repeat(5_000),
		];
		for (const malformed of malformedIds) {
			const shown = malformed.length > 40 ? `${malformed.slice(0, 8)}… (${malformed.length} characters)` : malformed;
			expectProblem(await http("GET", `/notes/${malformed}`, { token: token() }), 404, `GET /notes/${shown}`);
		}
		expectProblem(
			await http("PATCH", "/notes/zzz", { token: token(), json: { title: "t" } }),
			404,
			"PATCH /notes/zzz (malformed id)",
		);
		expectProblem(await http("DELETE", "/notes/zzz", { token: token() }), 404, "DELETE /notes/zzz (malformed id)");
		for (const limit of ["0", "101", "-1", "abc"]) {
			expectProblem(await http("GET", `/notes?limit=${limit}`, { token: token() }), 400, `GET /notes?limit=${limit}`);
		}
		// A malformed cursor is not specified beyond "never a 500" (checked by http()).
		await http("GET", "/notes?cursor=%25%25not-a-cursor", { token: token() });
	});

	if (jwt) {
		group("notes: no token → 401", async () => {
			const id = state.note.id;
			const calls = [
				["GET", "/notes"],
				["POST", "/notes", { title: "t", body: "b" }],
				["GET", `/notes/${id}`],
				["PATCH", `/notes/${id}`, { title: "t" }],
				["DELETE", `/notes/${id}`],
			];
			for (const [method, path, json] of calls) {
				expectProblem(await http(method, path, { json }), 401, `${method} ${path} without a token`);
				expectProblem(
					await http(method, path, { json, token: "not-a-token" }),
					401,
					`${method} ${path} with a bad token`,
				);
			}
			expectJson(await http("GET", `/notes/${id}`, { token: token() }), 200, "the note is still there");
		});

		group("notes: ownership between two users", async () => {
			const b = expectAuthPayload(
				expectJson(
					await http("POST", "/auth/register", { json: { email: email("b"), password } }),
					201,
					"register a second user",
				),
				"register B",
				email("b"),
			);
			state.b = b;
			const id = state.note.id;
			expectProblem(await http("GET", `/notes/${id}`, { token: b.accessToken }), 404, "B gets A's note");
			expectProblem(
				await http("PATCH", `/notes/${id}`, { token: b.accessToken, json: { title: "mine" } }),
				404,
				"B patches A's note",
			);
			expectProblem(await http("DELETE", `/notes/${id}`, { token: b.accessToken }), 404, "B deletes A's note");
			expectNote(
				expectJson(await http("GET", `/notes/${id}`, { token: token() }), 200, "A still gets the note"),
				"A's note after B's attempts",
				{ title: "Renamed", body: "" },
			);
			const bNote = expectJson(
				await http("POST", "/notes", { token: b.accessToken, json: { title: "B's", body: "b" } }),
				201,
				"B creates a note",
			);
			const bList = expectJson(await http("GET", "/notes", { token: b.accessToken }), 200, "B lists notes");
			equal(bList.items.length, 1, "B's list holds only B's note");
			equal(bList.items[0].id, bNote.id, "B's list holds B's note");
			const aList = expectJson(await http("GET", "/notes?limit=100", { token: token() }), 200, "A lists notes");
			check(!aList.items.some((n) => n.id === bNote.id), "A's list holds B's note");
			check(
				aList.items.some((n) => n.id === id),
				"A's list misses A's note",
			);
			state.bNoteIds = [bNote.id];
		});
	}

	group("notes: pagination", async () => {
		const who = jwt ? state.b.accessToken : undefined;
		const list = (query) => http("GET", `/notes${query}`, { token: who });
		const create = (title) => http("POST", "/notes", { token: who, json: { title, body: "page" } });
		await paginate({ list, create, listPage: (r) => expectJson(r, 200, `GET ${r.path}`) });
		expectProblem(await list("?limit=0"), 400, "GET /notes?limit=0");
		expectProblem(await list("?limit=101"), 400, "GET /notes?limit=101");
	});

	group("request body over 1 MiB → 413", async () => {
		const big = JSON.stringify({ title: "big", body: "x".repeat(1024 * 1024 + 16) });
		const r = await http("POST", "/notes", {
			token: token(),
			body: big,
			headers: { "content-type": "application/json" },
		});
		expectProblem(r, 413, "POST /notes with a body over 1 MiB");
	});
}

// Shared by REST and GraphQL. list(query) returns a response; listPage(response) → {items, nextCursor}.
async function paginate({ list, create, listPage }) {
	const ours = [];
	for (let i = 0; i < 25; i++) {
		const r = await create(`page note ${i}`);
		check(r.ok ?? r.status === 201, `creating page note ${i} failed: ${r.status}`, r.text);
		ours.push(("note" in r ? r.note : r.data).id);
	}
	const seen = new Map();
	const pages = [];
	let cursor = null;
	let newer;
	do {
		const page = listPage(await list(`?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`));
		check(Array.isArray(page.items), "a page has no items array");
		check(
			page.nextCursor === null || typeof page.nextCursor === "string",
			`nextCursor should be a string or null, got ${show(page.nextCursor)}`,
		);
		for (const note of page.items) {
			check(!seen.has(note.id), `page ${pages.length + 1} repeats note ${note.id}`);
			seen.set(note.id, note);
		}
		pages.push(page);
		if (pages.length === 1) {
			// A note created while paging is newer than every page already handed out: keyset pagination must
			// neither repeat nor skip because of it (offset pagination would repeat one).
			const r = await create("created while paging");
			newer = ("note" in r ? r.note : r.data).id;
		}
		cursor = page.nextCursor;
		check(pages.length <= 60, "more than 60 pages: nextCursor never becomes null");
		if (cursor !== null) equal(page.items.length, 10, `page ${pages.length} (not the last) length`);
	} while (cursor !== null);
	check(pages.length >= 3, `expected at least 3 pages of 10, got ${pages.length}`);
	const all = pages.flatMap((p) => p.items);
	for (let i = 1; i < all.length; i++) {
		check(
			Date.parse(all[i - 1].createdAt) >= Date.parse(all[i].createdAt),
			`not newest first: ${all[i - 1].id} (${all[i - 1].createdAt}) before ${all[i].id} (${all[i].createdAt})`,
		);
	}
	for (const id of ours) check(seen.has(id), `note ${id} was skipped by the pages`);
	check(
		!pages.slice(1).some((p) => p.items.some((n) => n.id === newer)),
		"a note created while paging shows up on a later page",
	);
	if (jwt) {
		// B owns exactly its one earlier note and these 25: 26 notes, 10 + 10 + 6.
		equal(all.length, 26, "notes listed over all pages");
		equal(pages.length, 3, "pages of 10 for 26 notes");
		equal(pages[2].items.length, 6, "items on the last page");
	}
	const first = listPage(await list(""));
	check(first.items.length === 20 || first.nextCursor === null, "GET /notes without limit should give 20 items");
	if (jwt) {
		equal(first.items.length, 20, "default page size");
		equal(first.items[0].id, newer, "the newest note comes first");
	}
}

// ---------------------------------------------------------------------------------------------------------------
// GraphQL

async function gql(query, variables, token) {
	const r = await http("POST", "/graphql", { json: { query, variables }, token });
	check(r.data && typeof r.data === "object", `POST /graphql → ${r.status}: not a JSON object`, r.text);
	return r;
}

function gqlData(r, what) {
	check(
		r.status === 200 && !r.data.errors && r.data.data,
		`${what}: expected data without errors, got ${r.status}`,
		r.text,
	);
	return r.data.data;
}

function gqlError(r, code, what) {
	const errors = r.data.errors;
	check(Array.isArray(errors) && errors.length > 0, `${what}: expected an error with code ${code}, got none`, r.text);
	const codes = errors.map((e) => e.extensions?.code);
	check(codes.includes(code), `${what}: expected extensions.code ${code}, got ${codes.join(", ")}`, r.text);
	return errors.find((e) => e.extensions?.code === code);
}

// A query that GraphQL itself refuses (validation): errors, and no data.
function gqlRefused(r, what) {
	const errors = r.data.errors;
	check(Array.isArray(errors) && errors.length > 0, `${what}: expected the query to be refused`, r.text);
	check(r.data.data == null, `${what}: a refused query returned data`, r.text);
}

const userFields = "user { id email } accessToken refreshToken";
const noteFields = "id title body createdAt updatedAt";
const q = {
	register: `mutation($email: String!, $password: String!) { register(email: $email, password: $password) { ${userFields} } }`,
	login: `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { ${userFields} } }`,
	refresh: `mutation($t: String!) { refresh(refreshToken: $t) { ${userFields} } }`,
	logout: "mutation($t: String!) { logout(refreshToken: $t) }",
	me: "{ me { id email } }",
	notes: `query($limit: Int, $cursor: String) { notes(limit: $limit, cursor: $cursor) { items { ${noteFields} } nextCursor } }`,
	note: `query($id: ID!) { note(id: $id) { ${noteFields} } }`,
	create: `mutation($title: String!, $body: String!) { createNote(input: {title: $title, body: $body}) { ${noteFields} } }`,
	delete: "mutation($id: ID!) { deleteNote(id: $id) }",
};

// updateNote with only the given input fields, written inline (so the input type's name does not matter).
function updateQuery(input) {
	const keys = Object.keys(input);
	const defs = keys.map((k) => `, $${k}: String`).join("");
	const fields = keys.map((k) => `${k}: $${k}`).join(", ");
	return `mutation($id: ID!${defs}) { updateNote(id: $id, input: { ${fields} }) { ${noteFields} } }`;
}
const update = (id, input, token) => gql(updateQuery(input), { id, ...input }, token);

function graphqlGroups() {
	if (production) {
		group("production: /graphiql is 404, introspection is off", async () => {
			expectStatus(await http("GET", "/graphiql"), 404, "GET /graphiql in production");
			gqlRefused(await gql("{ __schema { queryType { name } } }"), "an introspection query in production");
			gqlRefused(await gql('{ __type(name: "Query") { name } }'), "__type in production");
		});
	} else {
		group("GET /graphiql serves its page and assets itself (development)", () => checkPage("/graphiql"));
	}

	group("GET /graphql runs a query; not a mutation", async () => {
		const r = await http("GET", `/graphql?query=${encodeURIComponent("{ __typename }")}`);
		const body = expectJson(r, 200, "GET /graphql?query={ __typename }");
		equal(body.data?.__typename, "Query", "GET /graphql: data.__typename");
		const m = await http(
			"GET",
			`/graphql?query=${encodeURIComponent('mutation { createNote(input: {title: "via GET", body: "x"}) { id } }')}`,
		);
		check(
			m.status >= 400 || (Array.isArray(m.data?.errors) && !m.data?.data?.createNote),
			`GET /graphql ran a mutation (${m.status})`,
			m.text,
		);
	});

	if (jwt) {
		group("register", async () => {
			const a = expectAuthPayload(
				gqlData(await gql(q.register, { email: email("a"), password }), "register").register,
				"register",
				email("a"),
			);
			state.a = { ...a, email: email("a") };
			gqlError(await gql(q.register, { email: email("a"), password }), "CONFLICT", "register an email already taken");
			gqlError(
				await gql(q.register, { email: email("a").toUpperCase(), password }),
				"CONFLICT",
				"register an email already taken, in another case",
			);
			gqlError(
				await gql(q.register, { email: "not-an-email", password }),
				"BAD_USER_INPUT",
				"register an invalid email",
			);
			gqlError(
				await gql(q.register, { email: email("short"), password: "1234567" }),
				"BAD_USER_INPUT",
				"register a 7-character password",
			);
		});

		group("access token claims", async () => {
			checkTokenClaims(state.a.accessToken, state.a.user.id);
			for (const [what, token] of forgedTokens(state.a.accessToken, state.a.refreshToken)) {
				gqlError(await gql(q.me, undefined, token), "UNAUTHENTICATED", `me with a forged token (${what})`);
			}
		});

		group("login", async () => {
			const ok = expectAuthPayload(
				gqlData(await gql(q.login, { email: email("a"), password }), "login").login,
				"login",
				email("a"),
			);
			equal(ok.user.id, state.a.user.id, "login: user.id is the registered one");
			state.login = ok;
			gqlData(
				await gql(q.login, { email: email("a").toUpperCase(), password }),
				"login with the email in another case",
			);
			const wrongPassword = gqlError(
				await gql(q.login, { email: email("a"), password: `${password}!` }),
				"UNAUTHENTICATED",
				"login with a wrong password",
			);
			const wrongEmail = gqlError(
				await gql(q.login, { email: email("nobody"), password }),
				"UNAUTHENTICATED",
				"login with an unknown email",
			);
			equal(
				wrongEmail.message,
				wrongPassword.message,
				"login: the same message for a wrong email and a wrong password",
			);
		});

		group("me", async () => {
			const me = gqlData(await gql(q.me, undefined, state.a.accessToken), "me").me;
			sameKeys(me, ["id", "email"], "me");
			equal(me.id, state.a.user.id, "me.id");
			gqlError(await gql(q.me), "UNAUTHENTICATED", "me without a token");
		});

		group("refresh rotates; reuse revokes the family", async () => {
			const first = state.login.refreshToken;
			const second = expectAuthPayload(
				gqlData(await gql(q.refresh, { t: first }), "refresh").refresh,
				"refresh",
				email("a"),
			);
			check(second.refreshToken !== first, "refresh: the new refresh token equals the old one");
			gqlData(await gql(q.me, undefined, second.accessToken), "me with the refreshed token");
			const third = gqlData(await gql(q.refresh, { t: second.refreshToken }), "refresh with the new token").refresh;
			gqlError(await gql(q.refresh, { t: first }), "UNAUTHENTICATED", "refresh with a token already used (reuse)");
			gqlError(
				await gql(q.refresh, { t: third.refreshToken }),
				"UNAUTHENTICATED",
				"refresh with the newest token of a family revoked by reuse",
			);
			gqlError(await gql(q.refresh, { t: `garbage-${run}` }), "UNAUTHENTICATED", "refresh with a garbage token");
		});

		group("logout", async () => {
			const pair = gqlData(
				await gql(q.refresh, { t: state.a.refreshToken }),
				"refresh the token from register",
			).refresh;
			equal(gqlData(await gql(q.logout, { t: pair.refreshToken }), "logout").logout, true, "logout returns");
			gqlError(await gql(q.refresh, { t: pair.refreshToken }), "UNAUTHENTICATED", "refresh after logout");
		});
	} else {
		group("auth fields are absent (--auth none)", async () => {
			gqlRefused(await gql(q.me), "query me without auth");
			gqlRefused(await gql(q.register, { email: email("a"), password }), "mutation register without auth");
			gqlRefused(await gql(q.login, { email: email("a"), password }), "mutation login without auth");
		});
	}

	const token = () => (jwt ? state.a.accessToken : undefined);

	group("notes: createNote, note, updateNote, deleteNote", async () => {
		const created = expectNote(
			gqlData(await gql(q.create, { title: "First", body: "Hello" }, token()), "createNote").createNote,
			"createNote",
			{ title: "First", body: "Hello" },
		);
		state.note = created;
		expectNote(gqlData(await gql(q.note, { id: created.id }, token()), "note(id)").note, "note(id)", created);
		const titled = expectNote(
			gqlData(await update(created.id, { title: "Renamed" }, token()), "updateNote {title}").updateNote,
			"updateNote {title}",
			{ id: created.id, title: "Renamed", body: "Hello", createdAt: created.createdAt },
		);
		check(Date.parse(titled.updatedAt) >= Date.parse(created.updatedAt), "updateNote: updatedAt went back");
		expectNote(
			gqlData(await update(created.id, { body: "" }, token()), "updateNote {body}").updateNote,
			"updateNote {body}",
			{ title: "Renamed", body: "" },
		);
		const gone = gqlData(
			await gql(q.create, { title: "x".repeat(200), body: "y".repeat(10_000) }, token()),
			"createNote with a 200-character title and a 10000-character body",
		).createNote;
		equal(gqlData(await gql(q.delete, { id: gone.id }, token()), "deleteNote").deleteNote, true, "deleteNote returns");
		const after = gqlData(await gql(q.note, { id: gone.id }, token()), "note(id) of a deleted note");
		equal(after.note, null, "note(id) of a deleted note");
		gqlError(await update(gone.id, { title: "z" }, token()), "NOT_FOUND", "updateNote of a deleted note");
		await expectNotDeleted(await gql(q.delete, { id: gone.id }, token()), "deleteNote of a deleted note");
	});

	group("notes: validation", async () => {
		const bad = [
			[{ title: "", body: "b" }, "an empty title"],
			[{ title: "t".repeat(201), body: "b" }, "a 201-character title"],
			[{ title: "t", body: "b".repeat(10_001) }, "a 10001-character body"],
		];
		for (const [vars, what] of bad) {
			gqlError(await gql(q.create, vars, token()), "BAD_USER_INPUT", `createNote with ${what}`);
		}
		gqlRefused(
			await gql('mutation { createNote(input: {title: "t", body: "b", ownerId: "x"}) { id } }', undefined, token()),
			"createNote with an unknown input field",
		);
		gqlError(await update(state.note.id, { title: "" }, token()), "BAD_USER_INPUT", "updateNote with an empty title");
		for (const id of [
			"zzz",
			"1",
			"\u0000",
			"ffffffffffffffffffffffff",
			"00000000-0000-0000-0000-000000000000",
			"x".repeat(5_000),
		]) {
			const shown = id.length > 40 ? `${id.slice(0, 8)}… (${id.length} characters)` : JSON.stringify(id);
			equal(
				gqlData(await gql(q.note, { id }, token()), `note(id: ${shown})`).note,
				null,
				`note(id: ${shown}) (malformed)`,
			);
		}
		gqlError(await update("zzz", { title: "t" }, token()), "NOT_FOUND", "updateNote(id: zzz)");
		await expectNotDeleted(await gql(q.delete, { id: "zzz" }, token()), "deleteNote(id: zzz)");
		for (const limit of [0, 101, -1]) {
			gqlError(await gql(q.notes, { limit }, token()), "BAD_USER_INPUT", `notes(limit: ${limit})`);
		}
		await gql(q.notes, { cursor: "%%not-a-cursor" }, token()); // never a 500 (checked by http())
	});

	if (jwt) {
		group("notes: no token → UNAUTHENTICATED", async () => {
			const id = state.note.id;
			gqlError(await gql(q.notes), "UNAUTHENTICATED", "notes without a token");
			gqlError(await gql(q.note, { id }), "UNAUTHENTICATED", "note(id) without a token");
			gqlError(await gql(q.create, { title: "t", body: "b" }), "UNAUTHENTICATED", "createNote without a token");
			gqlError(await update(id, { title: "t" }), "UNAUTHENTICATED", "updateNote without a token");
			gqlError(await gql(q.delete, { id }), "UNAUTHENTICATED", "deleteNote without a token");
			gqlError(await gql(q.notes, {}, "not-a-token"), "UNAUTHENTICATED", "notes with a bad token");
			check(gqlData(await gql(q.note, { id }, token()), "note(id)").note !== null, "the note is gone");
		});

		group("notes: ownership between two users", async () => {
			const b = expectAuthPayload(
				gqlData(await gql(q.register, { email: email("b"), password }), "register B").register,
				"register B",
				email("b"),
			);
			state.b = b;
			const id = state.note.id;
			equal(gqlData(await gql(q.note, { id }, b.accessToken), "B: note(A's id)").note, null, "B: note(A's id)");
			gqlError(await update(id, { title: "mine" }, b.accessToken), "NOT_FOUND", "B updates A's note");
			await expectNotDeleted(await gql(q.delete, { id }, b.accessToken), "B deletes A's note");
			expectNote(gqlData(await gql(q.note, { id }, token()), "A: note(id)").note, "A's note after B's attempts", {
				title: "Renamed",
				body: "",
			});
			const bNote = gqlData(await gql(q.create, { title: "B's", body: "b" }, b.accessToken), "B creates").createNote;
			const bList = gqlData(await gql(q.notes, {}, b.accessToken), "B lists").notes;
			equal(bList.items.length, 1, "B's list holds only B's note");
			equal(bList.items[0].id, bNote.id, "B's list holds B's note");
			const aList = gqlData(await gql(q.notes, { limit: 100 }, token()), "A lists").notes;
			check(!aList.items.some((n) => n.id === bNote.id), "A's list holds B's note");
			check(
				aList.items.some((n) => n.id === id),
				"A's list misses A's note",
			);
		});
	}

	group("notes: pagination", async () => {
		const who = jwt ? state.b.accessToken : undefined;
		const list = async (query) => {
			const params = new URLSearchParams(query.slice(1));
			const vars = {};
			if (params.has("limit")) vars.limit = Number(params.get("limit"));
			if (params.has("cursor")) vars.cursor = params.get("cursor");
			return gql(q.notes, vars, who);
		};
		const create = async (title) => {
			const r = await gql(q.create, { title, body: "page" }, who);
			return { ok: true, note: gqlData(r, "createNote").createNote };
		};
		await paginate({ list, create, listPage: (r) => gqlData(r, "notes").notes });
	});

	group(
		production ? "depth and cost are limited" : "introspection works in development; depth and cost are limited",
		async () => {
			if (!production) {
				const intro = await gql(
					"{ __schema { queryType { name } types { name kind fields { name args { name type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } }",
				);
				gqlData(intro, "an introspection query (development)");
			}
			let deep = "name";
			for (let i = 0; i < 22; i++) deep = `ofType { ${deep} }`;
			gqlRefused(await gql(`{ __schema { types { fields { type { ${deep} } } } } }`), "a query 25+ levels deep");
			const token = jwt ? state.a?.accessToken : undefined;
			const aliases = Array.from({ length: 300 }, (_, i) => `n${i}: notes(limit: 100) { items { id title body } }`);
			gqlRefused(await gql(`{ ${aliases.join(" ")} }`, undefined, token), "300 aliased lists of 100 notes");
		},
	);

	group("request body over 1 MiB → 413", async () => {
		const big = JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(1024 * 1024 + 16) } });
		const r = await http("POST", "/graphql", { body: big, headers: { "content-type": "application/json" } });
		expectStatus(r, 413, "POST /graphql with a body over 1 MiB");
	});
}

// deleteNote of a missing or foreign note: a NOT_FOUND error (like REST's 404); `false` is tolerated.
async function expectNotDeleted(r, what) {
	if (r.data.errors) gqlError(r, "NOT_FOUND", what);
	else equal(r.data.data?.deleteNote, false, `${what}: deleteNote`);
}

// ---------------------------------------------------------------------------------------------------------------

if (api === "rest") restGroups();
else graphqlGroups();

console.log(`contract: ${base} (api ${api}, auth ${args.auth}, ${args.env})`);
let failed = 0;
for (const { name, fn } of groups) {
	const before = passed;
	const started = Date.now();
	try {
		await fn();
	} catch (error) {
		const message =
			error instanceof CheckFailed
				? error.message
				: `${error} (${error?.stack?.split("\n")[1]?.trim() ?? "no stack"}; an unexpected error: often a group that ` +
					"an earlier failed one left without what it needs)";
		console.log(`FAIL ${name}: ${message}`);
		failed++;
		if (!args["keep-going"]) break;
		continue;
	}
	console.log(`ok   ${name} (${passed - before} checks, ${Date.now() - started} ms)`);
}
if (args.violations) {
	const lines = [...violationLog, { requests }].map((entry) => JSON.stringify(entry));
	writeFileSync(args.violations, `${lines.join("\n")}\n`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
