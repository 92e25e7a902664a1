// Drives sign-in through an OpenID Connect provider against a running --oauth oidc project, from outside, as a
// browser and its front end would (test/e2e/matrix.e2e.ts runs it with test/e2e/oidc-provider.mjs as the provider):
// GET /auth/oidc/login → the provider → GET /auth/oidc/callback → #code=… → the exchange (REST or GraphQL) → the
// tokens work; then the attacks: a replayed callback, a tampered state, a reused one-time code. Exit 0 when every
// check holds; each failed check is printed.
//
//   node oidc-flow-client.mjs --url http://127.0.0.1:3000 --api rest|graphql --landing <OIDC_POST_LOGIN_REDIRECT>
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
	options: { url: { type: "string" }, api: { type: "string" }, landing: { type: "string" } },
});
const base = args.url;
const failures = [];
let checks = 0;
const check = (ok, message) => {
	checks++;
	if (!ok) failures.push(message);
};

/** name → value cookies of one site, with Max-Age=0 removing one. */
function jar() {
	const cookies = new Map();
	return {
		store(response) {
			for (const line of response.headers.getSetCookie()) {
				const [pair, ...attributes] = line.split(";");
				const at = pair.indexOf("=");
				const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
				if (value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) cookies.delete(name);
				else cookies.set(name, value);
			}
		},
		get header() {
			return [...cookies].map(([n, v]) => `${n}=${v}`).join("; ");
		},
	};
}

async function get(url, cookies) {
	const response = await fetch(url, {
		redirect: "manual",
		headers: cookies.header ? { cookie: cookies.header } : {},
		signal: AbortSignal.timeout(15_000),
	});
	cookies.store(response);
	return response;
}

/** /auth/oidc/login, then the provider's redirects up to the app's callback URL. */
async function toCallback(app) {
	const login = await get(`${base}/auth/oidc/login`, app);
	check(login.status === 302, `GET /auth/oidc/login answered ${login.status}, not 302`);
	const provider = jar();
	let next = new URL(login.headers.get("location"));
	check(next.searchParams.get("code_challenge_method") === "S256", "the authorization request has no PKCE S256");
	for (let hop = 0; hop < 10; hop++) {
		const response = await get(next, provider);
		const location = response.headers.get("location");
		if (!location) throw new Error(`the provider answered ${response.status}: ${await response.text()}`);
		next = new URL(location, next);
		if (next.href.startsWith(`${base}/auth/oidc/callback`)) return next;
	}
	throw new Error("the provider never redirected to the callback");
}

async function landing(callback, app) {
	const response = await get(callback, app);
	check(response.status === 302, `the callback answered ${response.status}, not 302`);
	const location = new URL(response.headers.get("location"));
	check(`${location.origin}${location.pathname}` === args.landing, `the callback redirected to ${location.href}`);
	return new URLSearchParams(location.hash.slice(1));
}

async function exchange(code) {
	if (args.api === "rest") {
		const response = await fetch(`${base}/auth/oidc/exchange`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ code }),
		});
		return { status: response.status, body: await response.json() };
	}
	const response = await fetch(`${base}/graphql`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({
			query: "mutation ($code: String!) { oidcExchange(code: $code) { user { id email } accessToken refreshToken } }",
			variables: { code },
		}),
	});
	const body = await response.json();
	const code401 = body.errors?.[0]?.extensions?.code === "UNAUTHENTICATED";
	return { status: body.errors ? (code401 ? 401 : 500) : 200, body: body.data?.oidcExchange };
}

async function me(accessToken) {
	const headers = { authorization: `Bearer ${accessToken}`, "content-type": "application/json" };
	if (args.api === "rest") return (await fetch(`${base}/auth/me`, { headers })).json();
	const response = await fetch(`${base}/graphql`, {
		method: "POST",
		headers,
		body: JSON.stringify({ query: "{ me { id email } }" }),
	});
	return (await response.json()).data?.me;
}

// 1. A sign-in, end to end.
const app = jar();
const callback = await toCallback(app);
const fragment = await landing(callback, app);
const code = fragment.get("code");
check(/^[A-Za-z0-9_-]{43}$/.test(code ?? ""), `no one-time code in the fragment: #${fragment}`);
const first = await exchange(code);
check(first.status === 200, `the exchange answered ${first.status}: ${JSON.stringify(first.body)}`);
check(
	/^oidc-.+@example\.com$/.test(first.body?.user?.email ?? ""),
	`unexpected user ${JSON.stringify(first.body?.user)}`,
);
const who = await me(first.body?.accessToken);
check(who?.id === first.body?.user?.id, `the access token does not identify the user: ${JSON.stringify(who)}`);

// 2. The one-time code works once.
const again = await exchange(code);
check(again.status === 401, `a reused one-time code answered ${again.status}, not 401`);

// 3. The same callback again (the browser's flow cookie is gone): nothing issued.
const replay = await landing(callback, app);
check(replay.get("error") === "invalid_state" && !replay.has("code"), `a replayed callback gave #${replay}`);

// 4. A tampered state: nothing issued.
const other = jar();
const tampered = await toCallback(other);
tampered.searchParams.set("state", `${tampered.searchParams.get("state")}x`);
const refused = await landing(tampered, other);
check(refused.get("error") === "invalid_state" && !refused.has("code"), `a tampered state gave #${refused}`);

for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`oidc flow: ${checks - failures.length}/${checks} checks passed`);
process.exit(failures.length === 0 ? 0 : 1);
