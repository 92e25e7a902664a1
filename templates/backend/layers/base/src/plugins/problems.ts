import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyReply } from "fastify";
import fp from "fastify-plugin";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { AppError } from "../errors.ts";

/** RFC 9457 problem details: the body of every error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";

/** The longest `detail` sent: some echo the request (a route's path, an unknown property's name). */
export const DETAIL_MAX = 2048;

export function problem(status: number, detail: string): Problem {
  const short = detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX - 1)}…` : detail;
  return { type: "about:blank", title: STATUS_CODES[status] ?? "Error", status, detail: short };
}

export function sendProblem(reply: FastifyReply, status: number, detail: string) {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problem(status, detail));
}

/** Fastify's own client errors that may be shown as they are (their messages hold no internals). */
export const CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "Request body is larger than 1 MiB",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "Unsupported Content-Type; send application/json",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "Content-Length does not match the body",
  FST_ERR_CTP_EMPTY_JSON_BODY: "Body must not be empty when Content-Type is application/json",
  FST_ERR_CTP_INVALID_JSON_BODY: "Body is not valid JSON",
  FST_ERR_CTP_EMPTY_TYPE: "Content-Type must not be empty",
  FST_ERR_CTP_INVALID_TYPE: "Invalid Content-Type",
  FST_ERR_BAD_URL: "Malformed URL",
  FST_ERR_MAX_PARAM_LENGTH: "URI too long",
  ERR_BODY_INVALID_TEXT: "Body must be valid UTF-8 text without lone surrogates",
};

/**
 * Every error and unknown route answers a problem document; internals never reach the client.
 * Unknown routes count against the rate limit like every route (a scan of paths is limited too).
 */
export default fp(
  async (app) => {
    app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) => {
      return sendProblem(
        reply,
        404,
        `Route ${request.method} ${request.url.split("?")[0]} not found`,
      );
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        if (error.retryAfter !== undefined) reply.header("retry-after", String(error.retryAfter));
        for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
        return sendProblem(reply, error.statusCode, error.message);
      }
      if (error.validation) {
        return sendProblem(reply, 400, validationDetail(error));
      }
      if (isDatabaseUnavailable(error)) {
        request.log.error({ err: error }, "database unavailable");
        reply.header("retry-after", "5");
        return sendProblem(reply, 503, "The database is unavailable; try again shortly");
      }
      const status = typeof error.statusCode === "number" ? error.statusCode : 500;
      if (status === 429) {
        // from @fastify/rate-limit (it sets Retry-After itself)
        return sendProblem(reply, 429, "Too many requests; slow down");
      }
      if (status >= 400 && status < 500) {
        const detail = CLIENT_ERRORS[error.code] ?? STATUS_CODES[status] ?? "Bad request";
        return sendProblem(reply, status, detail);
      }
      request.log.error({ err: error }, "unhandled error");
      return sendProblem(reply, 500, "An unexpected error occurred");
    });
  },
  // The rate limiter first: the not-found handler uses it.
  { name: "problems", dependencies: ["rate-limit"] },
);

/** "body.title must NOT have more than 200 characters": where, and the first rule broken. */
function validationDetail(error: FastifyError): string {
  const where = error.validationContext ?? "request";
  const first = error.validation?.[0];
  const path = first?.instancePath ? `${where}${first.instancePath.replaceAll("/", ".")}` : where;
  const message = first?.message ?? "is invalid";
  const extra =
    first?.keyword === "additionalProperties"
      ? ` (${String((first.params as { additionalProperty?: string }).additionalProperty)})`
      : "";
  return `${path} ${message}${extra}`;
}
