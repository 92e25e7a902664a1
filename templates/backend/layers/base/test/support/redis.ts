import { randomUUID } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Redis } from "ioredis";
import { describe } from "vitest";
import { createRedisClient } from "../../src/redis/client.ts";

/**
 * The Redis server that Redis-backed tests use (CI sets it); without it those tests are reported
 * as skipped, with the reason in their name.
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || null;

/** `describe` for tests that need a real Redis: skipped, and saying why, when there is none. */
export function describeWithRedis(name: string, suite: () => void) {
  const title = TEST_REDIS_URL ? name : `${name} (skipped: set TEST_REDIS_URL to run)`;
  return describe.skipIf(TEST_REDIS_URL === null)(title, suite);
}

/**
 * A URL of the test Redis whose keys all start with a prefix of their own, so that tests running
 * at the same time (or another project on the same server) never see each other's counts.
 */
export function isolatedRedisUrl(base = TEST_REDIS_URL): string {
  if (base === null) throw new Error("TEST_REDIS_URL is not set");
  const url = new URL(base);
  url.searchParams.set("keyPrefix", `test-${randomUUID()}:`);
  return url.href;
}

/** A client like the app's (fail fast, reconnecting), connected, on its own key prefix. */
export async function openTestRedis(url = isolatedRedisUrl()): Promise<Redis> {
  const redis = createRedisClient(url);
  redis.on("error", () => {}); // outages are what some tests are about
  await redis.connect();
  return redis;
}

/**
 * A TCP proxy of the test's own in front of Redis: `cut()` closes it (every connection, and new
 * ones are refused), `restore()` opens it again on the same port. The real Redis never stops.
 */
export class RedisProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  static async start(base = TEST_REDIS_URL): Promise<RedisProxy> {
    if (base === null) throw new Error("TEST_REDIS_URL is not set");
    const url = new URL(base);
    const proxy = new RedisProxy({ host: url.hostname, port: Number(url.port || 6379) });
    await proxy.restore();
    return proxy;
  }

  /** TEST_REDIS_URL with this proxy's address instead of the server's. */
  url(): string {
    if (TEST_REDIS_URL === null) throw new Error("TEST_REDIS_URL is not set");
    const url = new URL(TEST_REDIS_URL);
    url.hostname = "127.0.0.1";
    url.port = String(this.#port);
    return url.href;
  }

  async restore(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = connect(this.#target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address && typeof address === "object") this.#port = address.port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
