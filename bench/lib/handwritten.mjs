// The authenticated list on PostgreSQL against a hand-written Fastify + pg handler running the same query on the
// same database with the same token (bench/handwritten-server.mjs says what it includes and leaves out).

import { load } from "../sections/server.mjs";
import { BENCH, cleanups, log, settings } from "./context.mjs";
import {
	cleanEnv,
	freePort,
	median,
	NODE,
	pairedRatios,
	request,
	rotate,
	round,
	startProcess,
	waitFor200,
} from "./util.mjs";

export const HANDWRITTEN = `${BENCH}/handwritten-server.mjs`;

/** The claims a JWT's payload names (read, not verified: the servers verify). */
function claims(authorization) {
	const payload = authorization.split(".")[1];
	return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

async function startHandwritten(proj, appEnv, authorization) {
	const port = await freePort();
	const { iss, aud } = claims(authorization);
	const proc = startProcess(NODE, [HANDWRITTEN], {
		cwd: BENCH,
		env: cleanEnv({
			APP_DIR: proj.dir,
			PORT: String(port),
			HOST: "127.0.0.1",
			NODE_ENV: "production",
			DATABASE_URL: appEnv.DATABASE_URL,
			JWT_SECRET: appEnv.JWT_SECRET,
			JWT_ISSUER: iss,
			JWT_AUDIENCE: Array.isArray(aud) ? aud[0] : aud,
		}),
	});
	cleanups.push(() => proc.stop());
	const base = `http://127.0.0.1:${port}`;
	try {
		await waitFor200(`${base}/health`, { since: proc.since, child: proc.child, timeoutMs: 30_000 });
	} catch (e) {
		await proc.stop();
		throw new Error(`hand-written server: ${e.message}: ${proc.output().slice(-1000)}`);
	}
	return { proc, base };
}

/**
 * `list` is the app's list scenario (GET /notes?limit=20 with its Authorization header). The hand-written server
 * answers the same request on the same database; both are checked to answer the same 20 notes before any load.
 * Returns the figures of both and the median of the rounds' ratios app / hand-written.
 */
export async function compareWithHandwritten(proj, app, list) {
	const hand = await startHandwritten(proj, app.env, list.headers.authorization);
	try {
		const handList = { ...list, url: list.url.replace(app.base, hand.base) };
		const [a, h] = [await request(list.url, list), await request(handList.url, handList)];
		const ids = (r) => JSON.stringify(r.json?.items?.map((n) => n.id));
		if (h.status !== 200 || h.json?.items?.length !== 20 || ids(a) !== ids(h))
			throw new Error(
				`hand-written server: GET /notes answered ${h.status} ${h.text.slice(0, 200)}, not the app's page`,
			);
		await load(handList, settings.warmupSeconds);
		await load(list, settings.warmupSeconds);
		const appRuns = [];
		const handRuns = [];
		for (let i = 0; i < settings.loadRuns; i++)
			for (const who of rotate(["hand", "app"], i))
				if (who === "hand") handRuns.push(await load(handList, settings.loadSeconds, hand.proc.child.pid));
				else appRuns.push(await load(list, settings.loadSeconds, app.proc.child.pid));
		const ratios = pairedRatios(
			appRuns.map((r) => r.rps),
			handRuns.map((r) => r.rps),
		);
		const result = {
			request: list.name,
			rps: round(median(appRuns.map((r) => r.rps)), 0),
			handRps: round(median(handRuns.map((r) => r.rps)), 0),
			cpuUsPerReq: round(median(appRuns.map((r) => r.cpuUsPerReq)), 1),
			handCpuUsPerReq: round(median(handRuns.map((r) => r.cpuUsPerReq)), 1),
			p99Ms: median(appRuns.map((r) => r.p99)),
			handP99Ms: median(handRuns.map((r) => r.p99)),
			ratio: round(ratios.median, 3),
			ratioMin: round(ratios.min, 3),
			ratioMax: round(ratios.max, 3),
			pairedRatios: ratios.values,
			non2xxOrErrors: [...appRuns, ...handRuns].reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
		};
		log(
			`${proj.combo} on postgres: ${list.name} ${result.rps} req/s vs hand-written ${result.handRps}: ${result.ratio}× (median of ${ratios.n} rounds)`,
		);
		return result;
	} finally {
		await hand.proc.stop();
	}
}
