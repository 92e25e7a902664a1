import type { Socket } from "node:net";
import fp from "fastify-plugin";

/**
 * A ceiling on open connections (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS; see
 * src/config/connections.ts), so one client holding thousands of slow connections cannot use up
 * the process's file descriptors and starve everyone else. A connection over either limit is
 * closed as soon as it is accepted, before any byte of it is read: refusing costs next to nothing,
 * and nothing is logged (a log line per refusal would be a flood of its own).
 *
 * The address is the socket's peer: behind a reverse proxy every connection comes from the proxy,
 * so there set MAX_CONNECTIONS_PER_ADDRESS to MAX_CONNECTIONS and let the proxy limit clients.
 */
export default fp(
  async (app) => {
    const { maxConnections, maxConnectionsPerAddress } = app.config;
    // Node closes connections over this one itself, before 'connection' is emitted.
    app.server.maxConnections = maxConnections;

    const open = new Map<string, number>();
    app.server.on("connection", (socket: Socket) => {
      const address = socket.remoteAddress;
      if (address === undefined) return; // already closed
      const count = open.get(address) ?? 0;
      if (count >= maxConnectionsPerAddress) {
        socket.destroy();
        return;
      }
      open.set(address, count + 1);
      socket.once("close", () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
    });
  },
  { name: "connection-limits" },
);
