import { type TSchema, Type } from "typebox";
import { DETAIL_MAX, PROBLEM_CONTENT_TYPE } from "../plugins/problems.ts";

/** RFC 9457 problem details, as documented in the OpenAPI document. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: "uri-reference", maxLength: 2048, examples: ["about:blank"] }),
    title: Type.String({
      maxLength: 100,
      pattern: "^[A-Za-z0-9' -]+$",
      description: "The HTTP reason phrase of the status",
      examples: ["Not Found"],
    }),
    status: Type.Integer({ format: "int32", minimum: 400, maximum: 599 }),
    detail: Type.String({ maxLength: DETAIL_MAX }),
  },
  { additionalProperties: false, description: "RFC 9457 problem details" },
);

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input",
  401: "Missing or invalid access token",
  404: "Not found",
  409: "Conflict",
  413: "Body larger than 1 MiB",
  415: "Content-Type is not application/json",
  429: "Rate limited; see Retry-After",
  500: "Unexpected error (details are in the server log only)",
  503: "The database is unavailable; see Retry-After",
};

const seconds = (description: string) =>
  Type.Integer({ format: "int32", minimum: 0, maximum: 86_400, description });

/**
 * The headers @fastify/rate-limit adds to every answer of a rate-limited route (all routes here;
 * only /health and /ready opt out). Documented so that clients can pace themselves.
 */
export const RATE_LIMIT_HEADERS = {
  "X-RateLimit-Limit": Type.Integer({
    format: "int64",
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: "Requests allowed per client in the current window (RATE_LIMIT_MAX)",
  }),
  "X-RateLimit-Remaining": Type.Integer({
    format: "int64",
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: "Requests left in the current window",
  }),
  "X-RateLimit-Reset": seconds("Seconds until the window resets"),
};

/** Sent only when the request's Origin is in CORS_ORIGIN (none by default: no cross-origin access). */
const CORS_HEADERS = {
  "Access-Control-Allow-Origin": Type.String({
    format: "uri",
    maxLength: 2048,
    description: "The request's Origin, when CORS_ORIGIN lists it; absent otherwise",
  }),
};

const RETRY_AFTER = { "Retry-After": seconds("Seconds to wait before trying again") };

/** Headers of the answers of every route documented here (all are rate-limited). */
const HEADERS = { ...RATE_LIMIT_HEADERS, ...CORS_HEADERS };

const JSON_TYPE = "application/json";
const PROBLEM_TYPE = PROBLEM_CONTENT_TYPE.split(";")[0] ?? "application/problem+json";

/**
 * A success response: `schema` as application/json, with the rate-limit headers. The return type
 * is the schema itself so that the type provider still infers the handler's reply type (Fastify
 * serialises with `content[application/json].schema` at run time).
 */
export function ok<T extends TSchema>(schema: T, description: string): T {
  return {
    description,
    headers: HEADERS,
    content: { [JSON_TYPE]: { schema } },
  } as unknown as T;
}

/** A response without a body (204), with the rate-limit headers. */
export function empty(description: string) {
  return Type.Null({ description, headers: HEADERS });
}

/**
 * Response entries for the given error statuses, each an application/problem+json document.
 * Every route can also answer 429 (rate limit), 500 (a bug: nothing is shown) and 503 (the
 * database is down), so those are always added.
 */
export function problems(...statuses: number[]) {
  const result: Record<number, unknown> = {};
  for (const status of [...statuses, 429, 500, 503]) {
    const headers =
      status === 429
        ? { ...HEADERS, ...RETRY_AFTER }
        : status === 503
          ? { ...CORS_HEADERS, ...RETRY_AFTER }
          : status < 500
            ? HEADERS
            : CORS_HEADERS;
    result[status] = {
      description: DESCRIPTIONS[status] ?? "Error",
      headers,
      content: { [PROBLEM_TYPE]: { schema: ProblemSchema } },
    };
  }
  return result as Record<number, typeof ProblemSchema>;
}

/** Error statuses of a route that takes a JSON body. */
export const BODY_ERRORS = [400, 413, 415] as const;
