import { Ajv } from "ajv";
import type { FastifyInstance } from "fastify";

/**
 * Request validation: bodies are never coerced (`"title": 123` or `["a"]` is a 400, not "123"),
 * query strings and path parameters are (`?limit=20` becomes a number). Unknown properties are
 * rejected, never silently dropped, wherever a schema says `additionalProperties: false`.
 */
export function setupValidation(app: FastifyInstance) {
  const common = {
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  } as const;
  const strictAjv = new Ajv({ ...common, coerceTypes: false });
  const coercingAjv = new Ajv({ ...common, coerceTypes: true });

  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === "querystring" || httpPart === "params" ? coercingAjv : strictAjv;
    return ajv.compile(schema);
  });
}
