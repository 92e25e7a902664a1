import type { FastifyPluginAsync } from "fastify";
import { CSS, JS, pageAssets } from "../page-assets.ts";

/**
 * GraphiQL at GET /graphiql, outside production only: in production these routes do not exist.
 *
 * Every file comes from this server: GraphiQL's prebuilt bundle (React included) and styles live in
 * public/graphiql/ (its README says what they are made of). No CDN, so it works offline, and no
 * inline script, so it runs under the app's own Content-Security-Policy (`script-src 'self'`).
 */

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

const graphiql: FastifyPluginAsync = async (app) => {
  if (app.config.isProduction) return;

  app.get("/graphiql", async (_request, reply) =>
    reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(PAGE),
  );

  app.get(
    "/graphiql/assets/:name",
    pageAssets({
      "graphiql.js": { file: "graphiql/graphiql.min.js", type: JS },
      "graphiql.css": { file: "graphiql/graphiql.min.css", type: CSS },
      "init.js": { text: INIT_SCRIPT, type: JS },
      "page.css": { text: PAGE_CSS, type: CSS },
    }),
  );
};

export default graphiql;
