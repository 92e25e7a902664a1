import type { FastifyBaseLogger } from "fastify";
import type { GraphQLError, GraphQLFormattedError } from "graphql";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { AppError } from "../errors.ts";

/**
 * Every GraphQL error leaves with `extensions.code`:
 * - an `AppError` thrown by a service keeps its message and code (BAD_USER_INPUT, UNAUTHENTICATED,
 *   FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED; SERVICE_UNAVAILABLE, with HTTP 503 and
 *   Retry-After, when password hashing is saturated);
 * - errors the client caused before execution keep their message: GRAPHQL_PARSE_FAILED,
 *   GRAPHQL_VALIDATION_FAILED (unknown fields, limits, introspection in production),
 *   BAD_USER_INPUT (variables of the wrong type), and BAD_REQUEST, METHOD_NOT_ALLOWED,
 *   PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, TOO_MANY_REQUESTS for HTTP-level problems;
 * - a database that cannot be reached is SERVICE_UNAVAILABLE "Service unavailable";
 * - anything else is logged and answered as INTERNAL_SERVER_ERROR "Internal server error": no
 *   message, stack, SQL or collection name leaves the server.
 */

export const INTERNAL_MESSAGE = "Internal server error";
export const UNAVAILABLE_MESSAGE = "Service unavailable";

const CODE_BY_STATUS: Record<number, string> = {
  400: "BAD_REQUEST",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
};

type LooseError = Error & {
  code?: unknown;
  statusCode?: unknown;
  errors?: unknown;
  validation?: unknown;
};

export interface FormattedErrors {
  statusCode: number;
  errors: GraphQLFormattedError[];
  /** Seconds, when a rate limit was hit. */
  retryAfter?: number;
}

/**
 * @param executed true for errors from executing resolvers (HTTP 200, partial data), false for
 *   errors raised before execution (HTTP 4xx, no data).
 */
export function formatErrors(
  errors: readonly GraphQLError[],
  options: { log: FastifyBaseLogger; production: boolean; executed: boolean },
): FormattedErrors {
  const { log, production, executed } = options;
  const result: FormattedErrors = { statusCode: executed ? 200 : 400, errors: [] };
  const add = (error: GraphQLError | LooseError, code: string) =>
    result.errors.push(clientError(error, code, production));

  for (const error of errors) {
    const original = error.originalError as LooseError | undefined;
    if (original instanceof AppError) {
      add(error, original.code);
      if (original.code === "RATE_LIMITED") {
        result.statusCode = 429;
        result.retryAfter = original.retryAfter ?? 60;
      } else if (original.code === "SERVICE_UNAVAILABLE") {
        result.statusCode = 503;
        result.retryAfter = original.retryAfter ?? 1;
      }
    } else if (!executed && original && Array.isArray(original.errors)) {
      // mercurius wraps request errors: MER_ERR_GQL_VALIDATION (400), MER_ERR_METHOD_NOT_ALLOWED (405)
      const status = typeof original.statusCode === "number" ? original.statusCode : 400;
      result.statusCode = status;
      for (const inner of original.errors as LooseError[]) {
        let code = CODE_BY_STATUS[status] ?? "BAD_REQUEST";
        if (inner.validation !== undefined) {
          code = "BAD_REQUEST"; // the HTTP body does not have the shape of a GraphQL request
        } else if (status === 400) {
          code = requestErrorCode(inner);
        }
        add(inner, code);
      }
    } else if (!executed && !original) {
      // graphql-js refused to start executing: unknown operation name, missing variables, …
      add(error, requestErrorCode(error));
    } else if (!executed && original && isClientStatus(original.statusCode)) {
      // Fastify's own client errors: body too large, bad JSON, unsupported media type, rate limit.
      result.statusCode = original.statusCode;
      add(original, CODE_BY_STATUS[original.statusCode] ?? "BAD_REQUEST");
    } else {
      // drivers' errors may arrive wrapped (Drizzle's DrizzleQueryError keeps them as `cause`)
      const unavailable = isDatabaseUnavailable(original) || isDatabaseUnavailable(original?.cause);
      log.error({ err: original ?? error, path: error.path }, "GraphQL request failed");
      if (!executed) result.statusCode = unavailable ? 503 : 500;
      result.errors.push({
        message: unavailable ? UNAVAILABLE_MESSAGE : INTERNAL_MESSAGE,
        ...(error.locations ? { locations: error.locations } : {}),
        ...(error.path ? { path: error.path } : {}),
        extensions: { code: unavailable ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR" },
      });
    }
  }
  return result;
}

function isClientStatus(status: unknown): status is number {
  return typeof status === "number" && status >= 400 && status < 500;
}

/** An error raised before execution by graphql-js or mercurius. */
function requestErrorCode(error: LooseError): string {
  if (error.message.startsWith("Syntax Error")) return "GRAPHQL_PARSE_FAILED";
  if (/^(Unknown operation named|Must provide operation name)/.test(error.message)) {
    return "OPERATION_RESOLUTION_FAILURE";
  }
  if (error.message.startsWith('Variable "$')) return "BAD_USER_INPUT";
  return "GRAPHQL_VALIDATION_FAILED";
}

function clientError(
  error: GraphQLError | LooseError,
  code: string,
  production: boolean,
): GraphQLFormattedError {
  // duck-typed: graphql may be loaded twice under Vitest (see limits.ts), so no instanceof
  const json: GraphQLFormattedError =
    "toJSON" in error && typeof error.toJSON === "function"
      ? (error as GraphQLError).toJSON()
      : { message: error.message };
  // graphql-js 16 appends "Did you mean …?" to unknown names; in production that reveals the schema.
  const message = production ? json.message.replace(/ ?Did you mean .*\?$/s, "") : json.message;
  return {
    message,
    ...(json.locations ? { locations: json.locations } : {}),
    ...(json.path ? { path: json.path } : {}),
    extensions: { code },
  };
}
