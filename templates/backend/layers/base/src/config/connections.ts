import { readFileSync } from "node:fs";
import { Type } from "typebox";
import { configSection } from "../config.ts";

declare module "../config.ts" {
  interface Config {
    /** Open connections the server holds at most; beyond it, new ones are closed at once. */
    maxConnections: number;
    /** Open connections one client address (the socket's peer) holds at most. */
    maxConnectionsPerAddress: number;
  }
}

/** The default ceiling where the open-files limit is unknown (or very high). */
export const MAX_CONNECTIONS_DEFAULT = 10_000;
export const MAX_CONNECTIONS_PER_ADDRESS_DEFAULT = 256;

/**
 * How many connections the server accepts: a ceiling in total, below the process's open-files
 * limit (a quarter of it stays for the database, logs and files), and one per client address, so
 * a single client cannot take them all. A connection over either is closed as soon as it is
 * accepted, before any request is read.
 */
export default configSection(
  Type.Object({
    MAX_CONNECTIONS: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: "a positive integer (open connections in total)",
      }),
    ),
    MAX_CONNECTIONS_PER_ADDRESS: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: "a positive integer (open connections per client address)",
      }),
    ),
  }),
  (env, problems) => {
    const ceiling = connectionCeiling(openFilesLimit());
    const maxConnections = env.MAX_CONNECTIONS ?? Math.min(MAX_CONNECTIONS_DEFAULT, ceiling);
    if (env.MAX_CONNECTIONS !== undefined && env.MAX_CONNECTIONS > ceiling) {
      problems.push(
        `MAX_CONNECTIONS must be at most ${ceiling} (three quarters of this process's open-files limit)`,
      );
    }
    const perAddress = env.MAX_CONNECTIONS_PER_ADDRESS ?? MAX_CONNECTIONS_PER_ADDRESS_DEFAULT;
    return {
      maxConnections,
      maxConnectionsPerAddress: Math.min(perAddress, maxConnections),
    };
  },
);

/** Three quarters of the open-files limit (the rest is for everything else the process opens). */
export function connectionCeiling(openFiles: number | undefined): number {
  if (openFiles === undefined) return Number.MAX_SAFE_INTEGER;
  return Math.max(1, Math.floor((openFiles * 3) / 4));
}

/** The soft limit on open files (Linux: /proc/self/limits; Node raises it to the hard limit). */
export function openFilesLimit(): number | undefined {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return soft ? Number(soft) : undefined;
  } catch {
    return undefined; // not Linux: no limit known here
  }
}
