// Preloaded with `node --import` when profiling: records every module the process loads (ESM and CommonJS,
// through module.registerHooks) and at exit writes [{url, bytes}] to the file named by BENCH_MODTRACE_FILE.
import fs from "node:fs";
import module from "node:module";

const file = process.env.BENCH_MODTRACE_FILE;
const seen = [];
if (file && typeof module.registerHooks === "function") {
	module.registerHooks({
		load(url, context, nextLoad) {
			const result = nextLoad(url, context);
			const src = result.source;
			seen.push({ url, bytes: src == null ? 0 : typeof src === "string" ? Buffer.byteLength(src) : src.byteLength });
			return result;
		},
	});
	process.on("exit", () => {
		try {
			fs.writeFileSync(file, JSON.stringify(seen));
		} catch {}
	});
}
