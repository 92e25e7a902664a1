import { timestamp } from "../drizzle.ts";

/** A timestamp column as every table here stores it: with time zone, to the millisecond. */
export const at = (name: string) =>
  timestamp(name, { withTimezone: true, precision: 3, mode: "date" });
