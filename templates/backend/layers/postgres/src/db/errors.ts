/** What PostgreSQL's errors mean for a caller; used by the error handler and the repositories. */

/** SQLSTATEs of a server that cannot be reached, or is shutting down. */
const UNAVAILABLE_STATES = ["57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"];
const NETWORK_ERRORS = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"];

/** True for errors that mean the database cannot be reached right now (→ 503, not 500). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some(({ code, message }) => {
    if (typeof code === "string" && [...UNAVAILABLE_STATES, ...NETWORK_ERRORS].includes(code)) {
      return true;
    }
    // node-postgres when the server goes away mid-query, or a closed pool or PGlite
    return (
      typeof message === "string" &&
      /Connection terminated|Cannot use a pool after calling end|PGlite is closed/.test(message)
    );
  });
}

/** True when an insert broke a unique constraint (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return causes(error).some(({ code }) => code === "23505");
}

/** True when an insert named a row that does not exist (SQLSTATE 23503), e.g. a deleted owner. */
export function isForeignKeyViolation(error: unknown): boolean {
  return causes(error).some(({ code }) => code === "23503");
}

/** The error and the errors it wraps (Drizzle wraps the driver's error in `cause`). */
function causes(error: unknown): { code?: unknown; message?: unknown }[] {
  const chain: { code?: unknown; message?: unknown; cause?: unknown }[] = [];
  let current = error;
  while (typeof current === "object" && current !== null && chain.length < 4) {
    const link = current as { code?: unknown; message?: unknown; cause?: unknown };
    chain.push(link);
    current = link.cause;
  }
  return chain;
}
