import fp from "fastify-plugin";

/**
 * Only JSON bodies, and only in UTF-8: a text/plain POST (the "simple request" of CSRF) gets 415,
 * and so does JSON in another charset. The check sits in the JSON parser, so requests without a
 * body pay nothing for it.
 */
export default fp(
  async (app) => {
    app.removeContentTypeParser(["text/plain", "application/json"]);
    const parseJson = app.getDefaultJsonParser("error", "error");
    app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
      if (declaresUtf8(request.headers["content-type"])) {
        parseJson(request, body as string, done);
        return;
      }
      done(unsupportedCharset(), undefined);
    });
  },
  { name: "json-body" },
);

/** No charset parameter (JSON bodies are UTF-8), or charset=utf-8. */
export function declaresUtf8(type: string | undefined): boolean {
  return !type || !/;\s*charset=/i.test(type) || /;\s*charset="?utf-8"?\s*(;|$)/i.test(type);
}

/** The 415 a body parser answers for a body in another charset than UTF-8. */
export function unsupportedCharset(): Error {
  const error = new Error("Unsupported charset");
  return Object.assign(error, { statusCode: 415, code: "FST_ERR_CTP_INVALID_MEDIA_TYPE" });
}
