// The goals: what a user of a generated project feels, each figure beside its goal, read from a run's results
// (so `--report FILE.json` prints them for an earlier run too). Reported, never asserted.

import { DEFAULT_COMBO } from "./context.mjs";
import { round } from "./util.mjs";

const MB = 1e6;
/** The reference the size goal is set against (measured once elsewhere, not by this bench). */
const NEST_STARTER_MB = 201;

const verdict = (value, ok) => (value == null ? null : ok(value));
const ratioText = (r) =>
	r?.median == null
		? null
		: `${round(r.median, 3)}× (median of ${r.n} paired rounds, ${round(r.min, 3)}–${round(r.max, 3)}×)`;

/** Rows {figure, goal, value, met}: met is true, false, or null (no goal, or not measured). */
export function goals(res) {
	const fp = res.sections?.footprint;
	const combos = fp?.combos ?? {};
	const def = combos[DEFAULT_COMBO];
	const gqlName = Object.keys(combos).find((c) => c.startsWith("graphql/sql/jwt")) ?? "graphql/sql/jwt";
	const gql = combos[gqlName];
	const rows = [];
	const row = (figure, goal, value, met) => rows.push({ figure, goal, value: value ?? "not measured", met });
	const mbOf = (c) => (c?.apparentBytes == null ? null : round(c.apparentBytes / MB, 1));

	const defMb = mbOf(def);
	row(
		`node_modules of the default project (${DEFAULT_COMBO}, after npm install)`,
		`≤ 150 MB (NestJS's starter: ${NEST_STARTER_MB} MB, for reference)`,
		defMb == null ? null : `${defMb} MB`,
		verdict(defMb, (v) => v <= 150),
	);
	const gqlMb = mbOf(gql);
	row(`node_modules of a GraphQL project (${gqlName})`, "reported", gqlMb == null ? null : `${gqlMb} MB`, null);

	const t = fp?.tests;
	row(
		`the default project's own npm test, wall time (PGlite in memory)`,
		"≤ 12 s",
		t?.wallMs?.median == null
			? t?.error && `failed: ${t.error.slice(0, 100)}`
			: `${round(t.wallMs.median / 1000, 1)} s (median of ${t.wallMs.n}; ${t.tests ?? "?"})`,
		verdict(t?.wallMs?.median, (v) => v <= 12_000),
	);

	row(
		"cold start to the first 200 on /health, PGlite, against bare Fastify",
		"≤ 4×",
		ratioText(def?.coldStartRatio) &&
			`${ratioText(def.coldStartRatio)}; ${round(def.coldStartMs.median, 0)} vs ${round(fp.bareColdStartMs?.median, 0)} ms`,
		verdict(def?.coldStartRatio?.median, (v) => v <= 4),
	);

	for (const db of ["pglite", "postgres"]) {
		const m = fp?.memory?.find((x) => x.db === db);
		const mbRss = m?.peakRssKiB == null ? null : round((m.peakRssKiB * 1024) / MB, 1);
		row(
			`peak RSS of the server on ${db === "pglite" ? "PGlite" : "PostgreSQL"} after ${m?.requests ?? 2000} authenticated list requests (20 of ${m?.notes ?? 1000} notes)`,
			db === "pglite" ? "≤ 300 MB" : "reported",
			mbRss == null
				? m?.error && `failed: ${m.error.slice(0, 100)}`
				: `${mbRss} MB (after seeding: ${round((m.peakRssAfterSeedKiB * 1024) / MB, 1)} MB)`,
			db === "pglite" ? verdict(mbRss, (v) => v <= 300) : null,
		);
	}

	const runs = res.sections?.server?.runs ?? [];
	const pgRun = runs.find((r) => r.combo === DEFAULT_COMBO && r.db === "postgres");
	const hw = pgRun?.handwritten;
	row(
		"authenticated list (GET /notes?limit=20) req/s on PostgreSQL against a hand-written Fastify + pg handler",
		"≥ 0.7×",
		hw?.ratio == null
			? hw?.error && `failed: ${hw.error.slice(0, 100)}`
			: `${ratioText({ median: hw.ratio, min: hw.ratioMin, max: hw.ratioMax, n: hw.pairedRatios.length })}; ${hw.rps} vs ${hw.handRps} req/s`,
		hw?.non2xxOrErrors ? null : verdict(hw?.ratio, (v) => v >= 0.7),
	);
	for (const r of runs.filter((x) => x.combo === DEFAULT_COMBO)) {
		const h = r.scenarios?.["GET /health"];
		row(
			`GET /health req/s on ${r.db} against bare Fastify`,
			"reported (it keeps security headers and the request logger)",
			h?.ratioToBare == null
				? null
				: `${ratioText({ median: h.ratioToBare, min: h.ratioMin, max: h.ratioMax, n: h.pairedRatios?.length })}`,
			null,
		);
	}
	return rows;
}

/** The goals as a Markdown table. */
export function goalsTable(res) {
	const L = [
		"### Goals (reported, never asserted)",
		"",
		"| figure | goal | measured | met |",
		"| --- | --- | --- | --- |",
	];
	for (const g of goals(res))
		L.push(`| ${g.figure} | ${g.goal} | ${g.value} | ${g.met == null ? "—" : g.met ? "yes" : "**no**"} |`);
	L.push("");
	return L.join("\n");
}
