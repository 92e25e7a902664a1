/** What MySQL's (and MariaDB's) errors mean for a caller; used by the error handler and the repositories. */

/** Driver codes of a server that cannot be reached, went away or is shutting down. */
const UNAVAILABLE_CODES = [
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_SERVER_SHUTDOWN", // 1053
  "ER_CON_COUNT_ERROR", // 1040: too many connections
  "ER_CONNECTION_KILLED", // MariaDB 1927
  "ER_CLIENT_INTERACTION_TIMEOUT", // MySQL 4031: idle connection closed by the server
];

/** True for errors that mean the database cannot be reached right now (→ 503, not 500). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some(({ code, message, fatal }) => {
    if (typeof code === "string" && UNAVAILABLE_CODES.includes(code)) return true;
    // mysql2 marks an error that ended the connection as fatal; a closed pool has no code.
    if (fatal === true) return true;
    return (
      typeof message === "string" &&
      /Pool is closed|connection is in closed state|Connection lost/.test(message)
    );
  });
}

/** True when an insert broke a unique key (ER_DUP_ENTRY, 1062). */
export function isUniqueViolation(error: unknown): boolean {
  return causes(error).some(({ code, errno }) => code === "ER_DUP_ENTRY" || errno === 1062);
}

/** True when an insert named a row that does not exist (ER_NO_REFERENCED_ROW_2, 1452). */
export function isForeignKeyViolation(error: unknown): boolean {
  return causes(error).some(
    ({ code, errno }) => code === "ER_NO_REFERENCED_ROW_2" || errno === 1452,
  );
}

interface DriverError {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
}

/** The error and the errors it wraps (Drizzle wraps the driver's error in `cause`). */
function causes(error: unknown): DriverError[] {
  const chain: (DriverError & { cause?: unknown })[] = [];
  let current = error;
  while (typeof current === "object" && current !== null && chain.length < 4) {
    const link = current as DriverError & { cause?: unknown };
    chain.push(link);
    current = link.cause;
  }
  return chain;
}
