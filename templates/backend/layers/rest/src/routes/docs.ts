import type { FastifyPluginAsync } from "fastify";
import { CSS, JS, pageAssets } from "../page-assets.ts";

/**
 * The docs page at GET /docs: Swagger UI reading GET /openapi.json (src/plugins/docs.ts), in every
 * environment. Swagger UI's prebuilt script and styles live in public/docs/ (its README says which
 * version and how to update it); the page and its start-up script are here.
 */

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>API docs</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui">Loading the API docs…</div>
    <script src="/docs/assets/swagger-ui.js"></script>
    <script src="/docs/assets/init.js"></script>
  </body>
</html>
`;

/**
 * Runs in the browser. No validator badge: it would send the document to validator.swagger.io.
 * Deep links (#/notes/…) open the operation they name.
 */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

/** Not operations of the API: left out of the OpenAPI document. */
const HIDDEN = { schema: { hide: true } };

const docs: FastifyPluginAsync = async (app) => {
  app.get("/docs", HIDDEN, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(PAGE),
  );

  app.get(
    "/docs/assets/:name",
    HIDDEN,
    pageAssets({
      "swagger-ui.js": { file: "docs/swagger-ui-bundle.min.js", type: JS },
      "swagger-ui.css": { file: "docs/swagger-ui.min.css", type: CSS },
      "init.js": { text: INIT_SCRIPT, type: JS },
    }),
  );
};

export default docs;
