/** What MongoDB's errors mean for a caller; used by the error handler and the repositories. */

/** The driver's errors for a server it cannot reach, or a client that is (being) closed. */
const UNAVAILABLE_NAMES = new Set([
  "MongoServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoNotConnectedError",
  "MongoServerClosedError",
  "MongoTopologyClosedError",
  "MongoClientClosedError",
]);
const NETWORK_ERRORS = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"];

/** True for errors that mean the database cannot be reached right now (→ 503, not 500). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some(
    ({ name, code }) =>
      (typeof name === "string" && UNAVAILABLE_NAMES.has(name)) ||
      (typeof code === "string" && NETWORK_ERRORS.includes(code)),
  );
}

/** True when a write broke a unique index (E11000 duplicate key). */
export function isDuplicateKey(error: unknown): boolean {
  return causes(error).some(({ code }) => code === 11000);
}

/** The error and the errors it wraps (the driver keeps a socket's error in `cause`). */
function causes(error: unknown): { name?: unknown; code?: unknown }[] {
  const chain: { name?: unknown; code?: unknown; cause?: unknown }[] = [];
  let current = error;
  while (typeof current === "object" && current !== null && chain.length < 4) {
    const link = current as { name?: unknown; code?: unknown; cause?: unknown };
    chain.push(link);
    current = link.cause;
  }
  return chain;
}
