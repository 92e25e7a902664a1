/**
 * Typed application errors, free of any framework. Services throw `AppError`; the error handler
 * (src/plugins/problems.ts) turns it into an RFC 9457 problem document.
 */

export type ErrorCode =
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RATE_LIMITED"
  /** The server is busy (e.g. too many passwords being hashed); retry after `retryAfter`. */
  | "SERVICE_UNAVAILABLE";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds until the caller may retry (with RATE_LIMITED and SERVICE_UNAVAILABLE). */
  readonly retryAfter: number | undefined;
  /** Response headers that go with the error over HTTP (e.g. WWW-Authenticate). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryAfter?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }

  get statusCode(): number {
    return HTTP_STATUS[this.code];
  }
}

export const badInput = (message: string) => new AppError("BAD_USER_INPUT", message);
export const notFound = (message = "Not found") => new AppError("NOT_FOUND", message);
