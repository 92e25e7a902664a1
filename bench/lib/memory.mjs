// The server's memory as a user of the default project meets it: peak RSS after seeding the bench's notes and then
// a fixed number of authenticated list requests (20 notes each), on PGlite and on PostgreSQL. A fixed number of
// requests, not a fixed time: the figure must not grow with the machine's speed.

import fs from "node:fs";
import path from "node:path";
import { load, seedAndScenarios } from "../sections/server.mjs";
import { log, settings } from "./context.mjs";
import { appEnv, createDatabase, migrate, startApp } from "./projects.mjs";

/** Current resident set size of a process (VmRSS), in KiB; null where /proc is missing. */
function rssKiB(pid) {
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
		return m ? Number(m[1]) : null;
	} catch {
		return null;
	}
}

/**
 * One fresh server of `proj` on `db` ("pglite" or "postgres"): seed, then `settings.memoryRequests` list requests
 * over `settings.connections` connections. Returns the peak RSS (VmHWM) after the seeding and after the list
 * requests, the RSS at the end, and the list requests' outcome.
 */
export async function peakRssAfterList(proj, db) {
	let database;
	let app;
	try {
		let dbUrl;
		if (db === "postgres") {
			database = createDatabase(`${proj.combo}-memory`);
			dbUrl = database.url;
		} else fs.rmSync(path.join(proj.dir, ".data"), { recursive: true, force: true });
		await migrate(proj, appEnv(proj, { port: 0, dbUrl }));
		app = await startApp(proj, { dbUrl });
		const { seed, scenarios } = await seedAndScenarios(proj, app.base);
		const list = scenarios[1]; // health, list, create: the list (GET /notes or notes(limit: 20))
		const pid = app.proc.child.pid;
		const afterSeedKiB = app.proc.peakRssKiB();
		log(`${proj.combo} on ${db}: ${settings.memoryRequests} × ${list.name} for the peak RSS`);
		const run = await load(list, 0, pid, { amount: settings.memoryRequests });
		return {
			db,
			request: list.name,
			notes: seed.notes,
			requests: run.total,
			non2xxOrErrors: run.non2xx + run.errors + run.timeouts,
			peakRssAfterSeedKiB: afterSeedKiB,
			peakRssKiB: app.proc.peakRssKiB(),
			rssAtEndKiB: rssKiB(pid),
		};
	} finally {
		if (app) await app.proc.stop();
		if (database) database.drop();
	}
}
