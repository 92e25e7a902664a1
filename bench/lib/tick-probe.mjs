// Preloaded into a generated server (`node --allow-natives-syntax --import …`) by the server section: on SIGUSR2 it
// prints V8's view of process.nextTick, feedback slots included, to stdout. Node builds each queued tick as an object
// literal with computed keys; when those literal inline caches go megamorphic, every tick is built in V8's runtime
// and GET /health costs ~5 µs more (docs/benchmarks.md, "Status after the fourth session").
// V8's %-syntax is compiled from a string, so that this file stays plain JavaScript for tools that parse it.
const debugPrint = new Function("f", "%DebugPrint(f);");
process.on("SIGUSR2", () => {
	debugPrint(process.nextTick);
});
