import fp from "fastify-plugin";

/**
 * Only JSON bodies, and only in UTF-8: a text/plain POST (the "simple request" of CSRF) gets 415,
 * and so does JSON in another charset. The text must be valid: invalid UTF-8 bytes, or a string
 * with a lone UTF-16 surrogate (a `"\ud800"` escape), is a 400, never stored as U+FFFD or
 * anything else than what the client sent. The checks sit in the JSON parser, so requests without
 * a body pay nothing for them.
 */
export default fp(
  async (app) => {
    app.removeContentTypeParser(["text/plain", "application/json"]);
    const parseJson = app.getDefaultJsonParser("error", "error");
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
      if (!declaresUtf8(request.headers["content-type"])) {
        done(unsupportedCharset(), undefined);
        return;
      }
      const text = decodeUtf8(body as Buffer);
      if (text === null) {
        done(invalidText(), undefined);
        return;
      }
      parseJson(request, text, (error, value) => {
        if (error) done(error, undefined);
        else if (/\\u[dD][89abcdefABCDEF]/.test(text) && !wellFormed(value)) {
          done(invalidText(), undefined);
        } else done(null, value);
      });
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

/** The 400 for a body that is not valid UTF-8, or holds a string with a lone surrogate. */
export function invalidText(): Error {
  const error = new Error("Body must be valid UTF-8 text without lone surrogates");
  return Object.assign(error, { statusCode: 400, code: "ERR_BODY_INVALID_TEXT" });
}

/** The bytes as text, or null when they are not valid UTF-8 (no replacement characters). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Every string of a parsed JSON value, keys included, is well-formed UTF-16 (iterative: any depth). */
export function wellFormed(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") {
      if (!item.isWellFormed()) return false;
    } else if (Array.isArray(item)) {
      for (const element of item) stack.push(element);
    } else if (item !== null && typeof item === "object") {
      for (const [key, element] of Object.entries(item)) {
        if (!key.isWellFormed()) return false;
        stack.push(element);
      }
    }
  }
  return true;
}
