import type { Config } from "./config.ts";

/** Why the server could not listen on HOST:PORT, in one line that says which variable to change. */
export function listenFailure(error: unknown, config: Pick<Config, "host" | "port">): string {
  const { host, port } = config;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    return `cannot listen on ${host}:${port}: the port is in use (another server, or this one already running); stop it or set PORT to a free port, e.g. PORT=${port === 3000 ? 3001 : 3000} in .env`;
  }
  if (code === "EACCES") {
    return `cannot listen on ${host}:${port}: this user may not use that port; set PORT to 1024 or above`;
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `cannot listen on ${host}:${port}: ${host} is not an address of this machine; set HOST to one, e.g. HOST=127.0.0.1`;
  }
  return `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
}
