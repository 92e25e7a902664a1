// Loaded first (`--import`) by the package.json scripts that run Node on the server's code. Node
// keeps what it compiled of its modules (about 1,400, most of them dependencies) in
// node_modules/.cache, as the tests do, and the next start reads that instead of compiling them
// again: sooner starts, above all for each restart of `dev` after a save. A cache that cannot be
// written is no error: Node then compiles as it would without it.
import { enableCompileCache } from "node:module";
import { fileURLToPath } from "node:url";

enableCompileCache(
  fileURLToPath(new URL("../node_modules/.cache/node-compile-cache", import.meta.url)),
);
