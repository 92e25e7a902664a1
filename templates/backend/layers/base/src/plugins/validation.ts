import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import fp from "fastify-plugin";

/**
 * Request validation: Fastify's Ajv options and ajv-formats (`format: "email"`, `"uuid"`,
 * `"date-time"` … are checked, not ignored), with one change from Fastify's default: bodies are
 * never coerced (`"title": 123` or `["a"]` is a 400, not "123"), while query strings and path
 * parameters are (`?limit=20` becomes a number), as Fastify's docs show for per-part validators.
 * Unknown properties are rejected, never silently dropped, wherever a schema says
 * `additionalProperties: false`.
 */
export default fp(
  async (app) => {
    const options = { removeAdditional: false, useDefaults: true, allErrors: false } as const;
    const bodies = addFormats.default(new Ajv({ ...options, coerceTypes: false }));
    const parameters = addFormats.default(new Ajv({ ...options, coerceTypes: "array" }));

    app.setValidatorCompiler(({ schema, httpPart }) => {
      const ajv = httpPart === "querystring" || httpPart === "params" ? parameters : bodies;
      return ajv.compile(schema);
    });
  },
  { name: "validation" },
);
