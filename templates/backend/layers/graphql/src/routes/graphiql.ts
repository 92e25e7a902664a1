import { readFile } from "node:fs/promises";
import type { FastifyPluginAsync } from "fastify";

/**
 * GraphiQL at GET /graphiql, outside production only: in production these routes do not exist.
 *
 * Every file comes from this server: GraphiQL's prebuilt bundle (React included) and styles live in
 * public/graphiql/ (its README says what they are made of). No CDN, so it works offline, and no
 * inline script, so it runs under the app's own Content-Security-Policy (`script-src 'self'`).
 */

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** public/graphiql/, from src/routes/ and from dist/routes/ alike. */
const PUBLIC_DIR = new URL("../../public/graphiql/", import.meta.url);

const publicFiles: Record<string, { file: string; type: string }> = {
  "graphiql.js": { file: "graphiql.min.js", type: JS },
  "graphiql.css": { file: "graphiql.min.css", type: CSS },
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

async function publicFile(name: string): Promise<{ body: Buffer; type: string } | null> {
  const entry = Object.hasOwn(publicFiles, name) ? publicFiles[name] : undefined;
  if (!entry) return null;
  let body = cache.get(name);
  if (!body) {
    body = await readFile(new URL(entry.file, PUBLIC_DIR));
    cache.set(name, body);
  }
  return { body, type: entry.type };
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
    let file: Awaited<ReturnType<typeof publicFile>>;
    try {
      file = await publicFile(name);
    } catch (error) {
      request.log.warn(
        { err: error },
        "GraphiQL's files are missing: public/graphiql/ is not here",
      );
      return reply.callNotFound();
    }
    if (!file) return reply.callNotFound();
    return reply.type(file.type).header("cache-control", "public, max-age=3600").send(file.body);
  });
};

export default graphiql;
