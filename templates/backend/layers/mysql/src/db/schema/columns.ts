import { char, datetime } from "drizzle-orm/mysql-core";

/**
 * A timestamp column as every table here stores it: DATETIME(3), to the millisecond, in UTC (the
 * connection's time zone is UTC and Drizzle writes and reads these as UTC). DATETIME rather than
 * TIMESTAMP: it runs to the year 9999, not 2038.
 */
export const at = (name: string) => datetime(name, { mode: "date", fsp: 3 });

/** A UUID as text: MySQL 8 has no UUID type, and the service hands ids over lower-cased. */
export const uuid = (name: string) => char(name, { length: 36 });
