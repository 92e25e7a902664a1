/**
 * Typed application errors. Services throw `AppError`; the REST error handler turns it into an
 * RFC 9457 problem document and the GraphQL layer into `extensions.code`.
 */

export type ErrorCode =
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RATE_LIMITED";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds until a rate-limited caller may retry (only with RATE_LIMITED). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { retryAfter?: number } = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.retryAfter = options.retryAfter;
  }

  get statusCode(): number {
    return HTTP_STATUS[this.code];
  }
}

export const badInput = (message: string) => new AppError("BAD_USER_INPUT", message);
export const notFound = (message = "Not found") => new AppError("NOT_FOUND", message);
export const unauthenticated = (message = "Authentication required") =>
  new AppError("UNAUTHENTICATED", message);

/** True for errors that mean the database cannot be reached right now (→ 503, not 500). */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, name, cause, message } = error as {
    code?: unknown;
    name?: unknown;
    cause?: unknown;
    message?: unknown;
  };
  // ORMs wrap driver errors
  if (depth < 3 && cause !== undefined && isDatabaseUnavailable(cause, depth + 1)) return true;
  if (
    typeof name === "string" &&
    /^Mongo(ServerSelection|Network|NotConnected|Topology)/.test(name)
  ) {
    return true;
  }
  // node-postgres, when the server goes away mid-query or a closed pool/PGlite is used
  if (
    typeof message === "string" &&
    /Connection terminated|Cannot use a pool after calling end|PGlite is closed/.test(message)
  ) {
    return true;
  }
  return (
    typeof code === "string" &&
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE",
      "ENOTFOUND",
      "57P01", // admin_shutdown
      "57P02",
      "57P03", // cannot_connect_now
      "08000",
      "08001",
      "08003",
      "08006",
    ].includes(code)
  );
}
