// An OpenID Connect provider process for the e2e matrix (test/e2e/matrix.e2e.ts): panva's oidc-provider, loaded
// from the generated project's own node_modules (it is a devDependency of every --oauth oidc project), on
// 127.0.0.1:<port>, with one client whose redirect URI is the app's callback. Its login and consent pages are
// replaced by an instant sign-in of a fresh account with a verified email (each authorization request signs in a
// new user). Prints "ready <issuer>" when it listens.
//
//   node oidc-provider.mjs --project <dir> --port <port> --redirect-uri <uri> --client-id <id> --client-secret <s>
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
	options: {
		project: { type: "string" },
		port: { type: "string" },
		"redirect-uri": { type: "string" },
		"client-id": { type: "string" },
		"client-secret": { type: "string" },
	},
});
const fromProject = createRequire(join(args.project, "package.json"));
const { default: Provider } = await import(fromProject.resolve("oidc-provider"));
const { exportJWK, generateKeyPair } = await import(fromProject.resolve("jose"));

const issuer = `http://127.0.0.1:${args.port}`;
const accounts = new Map();
const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const provider = new Provider(issuer, {
	clients: [
		{
			client_id: args["client-id"],
			client_secret: args["client-secret"],
			redirect_uris: [args["redirect-uri"]],
			grant_types: ["authorization_code"],
			response_types: ["code"],
			token_endpoint_auth_method: "client_secret_post",
		},
	],
	jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: "e2e" }] },
	cookies: { keys: [randomBytes(32).toString("base64url")] },
	claims: { openid: ["sub"], email: ["email", "email_verified"] },
	pkce: { required: () => true },
	ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
	features: { devInteractions: { enabled: false } },
	interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
	findAccount: (_ctx, id) =>
		accounts.has(id) ? { accountId: id, claims: () => ({ sub: id, ...accounts.get(id) }) } : undefined,
});
const callback = provider.callback();

async function interact(req, res) {
	const details = await provider.interactionDetails(req, res);
	if (details.prompt.name === "login") {
		const sub = randomUUID();
		accounts.set(sub, { email: `oidc-${sub}@example.com`, email_verified: true });
		await provider.interactionFinished(req, res, { login: { accountId: sub } });
		return;
	}
	const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
	grant.addOIDCScope(String(details.params.scope));
	await provider.interactionFinished(
		req,
		res,
		{ consent: { grantId: await grant.save() } },
		{ mergeWithLastSubmission: true },
	);
}

const server = createServer((req, res) => {
	if (req.url?.startsWith("/interaction/")) {
		interact(req, res).catch((error) => {
			res.statusCode = 500;
			res.end(String(error));
		});
	} else if (req.url === "/health") {
		res.end("ok"); // for waitForHealth
	} else {
		callback(req, res);
	}
});
server.listen(Number(args.port), "127.0.0.1", () => console.log(`ready ${issuer}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
