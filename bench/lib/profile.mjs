// Summaries of `node --cpu-prof` profiles and of module-load traces (lib/modtrace.mjs), for the profile section.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package a script URL belongs to: "pkg" or "@scope/pkg" under node_modules, "node:…" internals, or a label. */
export function ownerOf(url, projectRoots = []) {
	if (!url) return "(native/vm)";
	if (url.startsWith("node:")) return "node (internals)";
	let p = url;
	if (url.startsWith("file://")) {
		try {
			p = fileURLToPath(url);
		} catch {}
	}
	const i = p.lastIndexOf("/node_modules/");
	if (i >= 0) {
		const rest = p.slice(i + "/node_modules/".length).split("/");
		return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
	}
	for (const [label, root] of projectRoots) if (p.startsWith(root)) return `${label}: ${path.relative(root, p)}`;
	return p;
}

/** Self time (ms) by package and by function of one .cpuprofile file. */
export function summarizeCpuProfile(file, { projectRoots = [], top = 15 } = {}) {
	const prof = JSON.parse(fs.readFileSync(file, "utf8"));
	const byId = new Map(prof.nodes.map((n) => [n.id, n]));
	const self = new Map();
	const samples = prof.samples ?? [];
	const deltas = prof.timeDeltas ?? [];
	for (let i = 0; i < samples.length; i++) {
		// timeDeltas[i] is the time before sample i; attribute the next delta to sample i (as Chrome DevTools does).
		const dt = (deltas[i + 1] ?? 0) / 1000;
		self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
	}
	const totalMs = (prof.endTime - prof.startTime) / 1000;
	// Time by the nearest package on the stack: node's internals (module compile, resolve) are charged to the
	// package whose code asked for them, so `import('ajv')` shows as ajv, not as node internals.
	const parent = new Map();
	for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const attributed = new Map();
	for (const [id, ms] of self) {
		let cur = id;
		let owner = null;
		while (cur != null) {
			const n = byId.get(cur);
			const u = n?.callFrame?.url;
			if (u && !u.startsWith("node:")) {
				owner = ownerOf(u, projectRoots);
				if (owner.includes(": ")) owner = owner.split(": ")[0];
				break;
			}
			cur = parent.get(cur);
		}
		if (owner == null) {
			const fn = byId.get(id)?.callFrame?.functionName ?? "";
			owner = /^\((idle|program|garbage collector)\)$/.test(fn) ? fn : "node internals (no package on the stack)";
		}
		attributed.set(owner, (attributed.get(owner) ?? 0) + ms);
	}
	const byPkg = new Map();
	const byFn = new Map();
	for (const [id, ms] of self) {
		const n = byId.get(id);
		if (!n) continue;
		const cf = n.callFrame;
		const fnName = cf.functionName || "(anonymous)";
		let owner;
		if (!cf.url && /^\((idle|program|garbage collector|root)\)$/.test(fnName)) owner = fnName;
		else
			owner = ownerOf(
				cf.url,
				projectRoots.map(([l, r]) => [l, r]),
			);
		const pkgKey = owner.includes(": ") ? owner.split(": ")[0] : owner;
		byPkg.set(pkgKey, (byPkg.get(pkgKey) ?? 0) + ms);
		const fnKey =
			`${fnName} ${cf.url ? `${owner.includes(": ") ? owner.split(": ")[1] : shortUrl(cf.url)}:${cf.lineNumber + 1}` : ""}`.trim();
		const prev = byFn.get(fnKey) ?? { ms: 0, owner: pkgKey };
		prev.ms += ms;
		byFn.set(fnKey, prev);
	}
	const sortDesc = (m, f) => [...m.entries()].sort((a, b) => f(b[1]) - f(a[1])).slice(0, top);
	return {
		file,
		totalMs: Math.round(totalMs * 10) / 10,
		byNearestPackage: sortDesc(attributed, (x) => x).map(([k, ms]) => ({ package: k, ms: Math.round(ms * 10) / 10 })),
		byPackage: sortDesc(byPkg, (x) => x).map(([k, ms]) => ({ package: k, selfMs: Math.round(ms * 10) / 10 })),
		byFunction: sortDesc(byFn, (x) => x.ms).map(([k, v]) => ({
			function: k,
			package: v.owner,
			selfMs: Math.round(v.ms * 10) / 10,
		})),
	};
}

function shortUrl(url) {
	const p = url.startsWith("file://") ? url.slice(7) : url;
	const i = p.lastIndexOf("/node_modules/");
	return i >= 0 ? p.slice(i + 14) : p.split("/").slice(-2).join("/");
}

/** Groups a module-load trace ([{url, bytes}]) by package: modules and source bytes each. */
export function summarizeModules(list, projectRoots = []) {
	const by = new Map();
	for (const { url, bytes } of list) {
		let owner = ownerOf(url, projectRoots);
		if (owner.includes(": ")) owner = owner.split(": ")[0];
		const e = by.get(owner) ?? { package: owner, modules: 0, bytes: 0 };
		e.modules++;
		e.bytes += bytes;
		by.set(owner, e);
	}
	return {
		modules: list.length,
		bytes: list.reduce((s, m) => s + m.bytes, 0),
		byPackage: [...by.values()].sort((a, b) => b.bytes - a.bytes),
	};
}

/** The newest .cpuprofile in dir. */
export function newestProfile(dir) {
	const files = fs
		.readdirSync(dir)
		.filter((f) => f.endsWith(".cpuprofile"))
		.map((f) => path.join(dir, f))
		.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
	return files[0] ?? null;
}
