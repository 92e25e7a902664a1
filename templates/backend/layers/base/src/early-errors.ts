import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "./config.ts";
import { CLIENT_ERRORS, PROBLEM_CONTENT_TYPE, problem } from "./plugins/problems.ts";
import { apiSecurityHeaders } from "./plugins/security-headers.ts";

/** What Node's HTTP parser reports, by its error code; anything else is a malformed request (400). */
const PARSER_ERRORS: Record<string, { status: number; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, detail: "Request headers (or the URL) are too large" },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: "The request took too long to arrive" },
};
const MALFORMED = { status: 400, detail: "Malformed HTTP request" };

/**
 * Answers written before a request reaches routing, so before the app's hooks and error handler
 * run: Node's own (malformed request 400, headers or URL too large 431, request timeout 408) and
 * Fastify's router's (a URL it cannot decode 400, a path parameter over the router's
 * maxParamLength 414). They are problem documents with the same security headers as every other
 * API answer (src/plugins/security-headers.ts), like the rest (src/plugins/problems.ts). Passed to
 * Fastify as server options in src/app.ts.
 */
export function earlyErrorHandlers(config: Config) {
  const headers = apiSecurityHeaders(config.isProduction);
  const answers = new Map<string, string>();
  for (const [code, { status, detail }] of Object.entries(PARSER_ERRORS)) {
    answers.set(code, rawProblem(status, detail, headers));
  }
  const malformed = rawProblem(MALFORMED.status, MALFORMED.detail, headers);

  return {
    /** The server's 'clientError' event: the request could not be parsed, so no route runs. */
    clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
      // A reset connection is gone: there is no one to answer.
      if (error.code === "ECONNRESET" || socket.destroyed) return;
      // As Node does: never write into a response already under way on this connection.
      const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
      if (socket.writable && !current?.headersSent) {
        socket.write(answers.get(error.code ?? "") ?? malformed);
      }
      socket.destroy(error);
    },

    /** Fastify's router errors (bad URL encoding, a too long path parameter). */
    frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
      const status = typeof error.statusCode === "number" ? error.statusCode : 500;
      const detail =
        status < 500
          ? (CLIENT_ERRORS[error.code] ?? STATUS_CODES[status] ?? "Bad request")
          : "An unexpected error occurred";
      reply.code(status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(problem(status, detail));
    },
  };
}

/** A whole HTTP/1.1 response, problem document and headers, that closes the connection. */
function rawProblem(status: number, detail: string, headers: Record<string, string>): string {
  const body = JSON.stringify(problem(status, detail));
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}
