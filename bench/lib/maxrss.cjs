// Preloaded with `node -r` into a measured child: at exit it writes the process's peak resident set size
// (getrusage ru_maxrss, in KiB) to the file named by BENCH_MAXRSS_FILE.
const fs = require("node:fs");
const file = process.env.BENCH_MAXRSS_FILE;
if (file) {
	process.on("exit", () => {
		try {
			fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
		} catch {}
	});
}
