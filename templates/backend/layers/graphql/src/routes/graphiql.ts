import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyPluginAsync } from "fastify";

/**
 * GraphiQL at GET /graphiql, outside production only: in production these routes do not exist.
 *
 * Every file comes from this server: graphiql's prebuilt bundle and React 18's UMD builds, read
 * from node_modules (they are devDependencies). No CDN, so it works offline, and no inline
 * script, so it runs under the app's own Content-Security-Policy (`script-src 'self'`).
 */

const require = createRequire(import.meta.url);
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

const packageFiles: Record<string, { pkg: string; path: string; type: string }> = {
  "react.js": { pkg: "react", path: "umd/react.production.min.js", type: JS },
  "react-dom.js": { pkg: "react-dom", path: "umd/react-dom.production.min.js", type: JS },
  "graphiql.js": { pkg: "graphiql", path: "dist/index.umd.js", type: JS },
  "graphiql.css": { pkg: "graphiql", path: "dist/style.css", type: CSS },
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>GraphiQL</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
    <link rel="stylesheet" href="/graphiql/assets/page.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="/graphiql/assets/react.js"></script>
    <script src="/graphiql/assets/react-dom.js"></script>
    <script src="/graphiql/assets/graphiql.js"></script>
    <script src="/graphiql/assets/init.js"></script>
  </body>
</html>
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
`;

/** The query GraphiQL opens with. */
const INTRO = `# GraphiQL: served by this API outside production only.
# Request headers go under Headers below; the Docs pane describes every field.

query Notes {
  notes(limit: 5) {
    items { id title createdAt }
    nextCursor
  }
}
`;

/** Runs in the browser; the Headers editor is open from the start. */
const INIT_SCRIPT = `(function () {
  var fetcher = GraphiQL.createFetcher({ url: new URL("/graphql", window.location.href).toString() });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: ${JSON.stringify(INTRO)},
      defaultEditorToolsVisibility: "headers",
    }),
  );
})();
`;

const cache = new Map<string, Buffer>();

async function packageFile(name: string): Promise<{ body: Buffer; type: string } | null> {
  const file = Object.hasOwn(packageFiles, name) ? packageFiles[name] : undefined;
  if (!file) return null;
  let body = cache.get(name);
  if (!body) {
    const root = dirname(require.resolve(`${file.pkg}/package.json`));
    body = await readFile(join(root, file.path));
    cache.set(name, body);
  }
  return { body, type: file.type };
}

const graphiql: FastifyPluginAsync = async (app) => {
  if (app.config.isProduction) return;

  app.get("/graphiql", async (_request, reply) =>
    reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(PAGE),
  );

  app.get<{ Params: { name: string } }>("/graphiql/assets/:name", async (request, reply) => {
    const { name } = request.params;
    if (name === "init.js") return reply.type(JS).send(INIT_SCRIPT);
    if (name === "page.css") return reply.type(CSS).send(PAGE_CSS);
    let file: Awaited<ReturnType<typeof packageFile>>;
    try {
      file = await packageFile(name);
    } catch (error) {
      request.log.warn({ err: error }, "GraphiQL's files are missing: install the devDependencies");
      return reply.callNotFound();
    }
    if (!file) return reply.callNotFound();
    return reply.type(file.type).header("cache-control", "public, max-age=3600").send(file.body);
  });
};

export default graphiql;
