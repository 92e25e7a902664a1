// `node sequential-load.mjs URL N`: N GET requests over one connection, one after another; prints how many were 2xx.
// A process of its own for the callgrind counts (callgrind.mjs): inside the bench's own process the client ran
// slower and the server, idle for longer between requests, counted more of V8's time-driven GC work.
import autocannon from "autocannon";

const [url, amount] = process.argv.slice(2);
const result = await autocannon({ url, connections: 1, pipelining: 1, amount: Number(amount), timeout: 30 });
process.stdout.write(`${result["2xx"]}\n`);
