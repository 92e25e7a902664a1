// The baseline of the authenticated list on PostgreSQL: what a developer would write by hand with Fastify and pg,
// doing the work the request needs and nothing the starter adds around it. Started by the server section with
// APP_DIR (the generated project: fastify, pg and jose are loaded from its node_modules, so both servers run the
// same versions), PORT, HOST, DATABASE_URL, JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE in the environment.
//
// What "hand-written" includes, to be fair to both sides: the access token is verified exactly as the app verifies
// it (jose, HS256 with a key imported once, typ at+jwt, issuer, audience, sub/iat/exp required), and the same SQL
// runs on a pool of the same size (10), with the same page size plus one to know whether there is a next page,
// and the same answer shape; like the app's repository, it runs the query as a named prepared statement (parsed
// once per connection, not once per request). Left out: the user lookup (the token's `sub` is trusted), schemas,
// security headers, CORS, rate limiting, the request logger, OpenAPI.
import { createRequire } from "node:module";
import path from "node:path";

const appRequire = createRequire(path.join(process.env.APP_DIR ?? ".", "package.json"));
const Fastify = appRequire("fastify");
const pg = appRequire("pg");
const { jwtVerify } = appRequire("jose");

const secret = process.env.JWT_SECRET ?? "";
const key = await crypto.subtle.importKey(
	"raw",
	new TextEncoder().encode(secret),
	{ name: "HMAC", hash: "SHA-256" },
	false,
	["verify"],
);
const verifyOptions = {
	algorithms: ["HS256"],
	typ: "at+jwt",
	issuer: process.env.JWT_ISSUER,
	audience: process.env.JWT_AUDIENCE,
	requiredClaims: ["sub", "iat", "exp"],
};
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

// The query the app's repository runs for a first page (drizzle's SELECT for `list(owner, limit + 1)`).
const LIST = {
	name: "notes_list",
	text: `SELECT id, title, body, created_at, updated_at FROM notes
	WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
};

async function ownerOf(request) {
	const header = request.headers.authorization ?? "";
	if (!header.startsWith("Bearer ")) return null;
	try {
		const { payload } = await jwtVerify(header.slice(7), key, verifyOptions);
		return typeof payload.sub === "string" ? payload.sub : null;
	} catch {
		return null;
	}
}

const app = Fastify({ logger: false });
app.get("/health", async () => ({ status: "ok" }));
app.get("/notes", async (request, reply) => {
	const owner = await ownerOf(request);
	if (!owner) return reply.code(401).send({ error: "unauthorized" });
	const limit = Math.min(Math.max(Number(request.query.limit) || 20, 1), 100);
	const { rows } = await pool.query({ ...LIST, values: [owner, limit + 1] });
	const items = rows.slice(0, limit).map((r) => ({
		id: r.id,
		title: r.title,
		body: r.body,
		createdAt: r.created_at,
		updatedAt: r.updated_at,
	}));
	const last = items.at(-1);
	const nextCursor =
		rows.length > limit && last ? Buffer.from(`${last.createdAt.getTime()}.${last.id}`).toString("base64url") : null;
	return { items, nextCursor };
});

const close = () =>
	app
		.close()
		.then(() => pool.end())
		.then(() => process.exit(0));
process.on("SIGTERM", close);
process.on("SIGINT", close);

await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? "127.0.0.1" });
process.stdout.write("listening\n");
