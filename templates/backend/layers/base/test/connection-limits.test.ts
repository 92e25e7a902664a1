/**
 * The connection ceiling (src/plugins/connection-limits.ts) on a real listening server with low
 * limits: one client address cannot hold more than MAX_CONNECTIONS_PER_ADDRESS connections, the
 * server not more than MAX_CONNECTIONS, and a connection over a limit is closed at once.
 */
import { type AddressInfo, connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { testConfig } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let app: Awaited<ReturnType<typeof buildApp>>;
let port = 0;
const open: Socket[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  const config = await testConfig({ MAX_CONNECTIONS: "3", MAX_CONNECTIONS_PER_ADDRESS: "2" });
  app = await buildApp({ config, database: db, logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await app?.close();
  await db?.close();
});

type Outcome = "answered" | "refused" | "no answer";

/**
 * Opens a connection (from `from`, a loopback address) and sends GET /health on it: "answered"
 * when the 200 arrives (the connection then stays open, keep-alive), "refused" when the server
 * closes it without an answer.
 */
function connectFrom(from = "127.0.0.1"): Promise<{ socket: Socket; outcome: Outcome }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress: from });
    open.push(socket);
    let answer = "";
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      resolve({ socket, outcome });
    };
    const timer = setTimeout(() => done("no answer"), 5000);
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      answer += chunk;
      if (/^HTTP\/1\.1 200 [\s\S]*\r\n\r\n\{"status":"ok"\}/.test(answer)) done("answered");
    });
    socket.on("close", () => done(answer === "" ? "refused" : "no answer"));
    socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  });
}

/** Waits until the server counts `count` open connections (it learns of a close a moment later). */
async function serverHolds(count: number) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const held = await new Promise<number>((resolve, reject) =>
      app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
    if (held === count) return;
    await new Promise((wait) => setTimeout(wait, 50));
  }
  throw new Error(`the server does not hold ${count} connections`);
}

async function closeAll() {
  for (const socket of open.splice(0)) socket.destroy();
  await serverHolds(0);
}

/** Whether this machine routes 127.0.0.2 (Linux does; macOS only has 127.0.0.1 by default). */
async function secondLoopbackAddress(): Promise<boolean> {
  const routed = await new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.2" });
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
  await serverHolds(0);
  return routed;
}

describe("connection ceiling", () => {
  it("one address holds at most MAX_CONNECTIONS_PER_ADDRESS connections; one more is closed at once", async () => {
    expect((await connectFrom()).outcome).toBe("answered");
    const second = await connectFrom();
    expect(second.outcome).toBe("answered");
    expect((await connectFrom()).outcome).toBe("refused");
    // a freed place can be taken again
    second.socket.destroy();
    await serverHolds(1);
    expect((await connectFrom()).outcome).toBe("answered");
    await closeAll();
  });

  it("while one address holds its maximum, another is served, up to MAX_CONNECTIONS in all", async (context) => {
    if (!(await secondLoopbackAddress())) {
      context.skip("this machine has no second loopback address (127.0.0.2)");
    }
    expect((await connectFrom("127.0.0.1")).outcome).toBe("answered");
    expect((await connectFrom("127.0.0.1")).outcome).toBe("answered");
    expect((await connectFrom("127.0.0.1")).outcome).toBe("refused");
    await serverHolds(2);
    expect((await connectFrom("127.0.0.2")).outcome).toBe("answered");
    // three open in all: a third address is refused too
    expect((await connectFrom("127.0.0.3")).outcome).toBe("refused");
    await closeAll();
  });
});
