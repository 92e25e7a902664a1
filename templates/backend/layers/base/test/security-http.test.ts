/**
 * HTTP hardening of every route: error hygiene in production, security headers, CORS, hostile
 * JSON, text that is not valid Unicode, rate limits on unknown routes, raw-socket request
 * smuggling, answers written before routing, the server options, configuration checks and
 * secrets in logs. Test-only routes are added to a real app
 * before it starts, so these hold for REST and GraphQL alike.
 */
import { spawnSync } from "node:child_process";
import { type AddressInfo, connect } from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { loggerOptions } from "../src/logger.ts";
import { DETAIL_MAX } from "../src/plugins/problems.ts";
import { testConfig } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SECRET_HEADER = "Bearer secret-token-that-must-never-be-logged";

type App = Awaited<ReturnType<typeof buildApp>>;
let db: Awaited<ReturnType<typeof openTestDatabase>>;
let app: App;
let limited: App;
const logLines: string[] = [];

/** A production app with a captured log and test-only routes. */
async function productionApp(env: Record<string, string> = {}) {
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const config = await testConfig({ NODE_ENV: "production", LOG_LEVEL: "info", ...env });
  const instance = await buildApp({
    config,
    database: db,
    // The server's own logger options (level, redaction), writing into memory.
    logger: { ...(loggerOptions(config) as object), stream: logStream } as never,
  });
  instance.post(
    "/__test/echo",
    {
      schema: {
        body: {
          type: "object",
          properties: { title: { type: "string", maxLength: 200 } },
          required: ["title"],
          additionalProperties: false,
        },
      },
    },
    async (request) => request.body,
  );
  instance.get("/__test/boom", async () => {
    const error = new Error(
      'duplicate key value violates unique constraint "users_email_key" at /srv/app/src/db/client.ts:42 SELECT * FROM users',
    );
    Object.assign(error, { code: "23505", detail: "Key (email)=(a@b.c) already exists." });
    throw error;
  });
  instance.get("/__test/db-down", async () => {
    throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432 password=hunter2"), {
      code: "ECONNREFUSED",
    });
  });
  instance.get("/__test/ip", async (request) => ({ ip: request.ip }));
  instance.get("/__test/param/:id", async (request) => request.params);
  instance.get("/__test/range", async () => {
    throw new RangeError("Maximum call stack size exceeded");
  });
  await instance.ready();
  return instance;
}

beforeAll(async () => {
  db = await openTestDatabase();
  app = await productionApp();
  limited = await productionApp({ RATE_LIMIT_MAX: "2" });
});

afterAll(async () => {
  await app?.close();
  await limited?.close();
  await db?.close();
});

type Response = Awaited<ReturnType<App["inject"]>>;

/** RFC 9457, status matching, and nothing of the internals. */
function expectCleanProblem(response: Response, status: number) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(Object.keys(body).sort()).toEqual(["detail", "status", "title", "type"]);
  expect(body.status).toBe(status);
  expect(response.body).not.toMatch(
    /stack|\bat .*:\d+|\/srv\/|\.ts\b|node_modules|SELECT|duplicate key|constraint|ECONNREFUSED|hunter2|5432|Maximum call stack|fastify|v\d+\.\d+\.\d+/i,
  );
  expect(response.headers["x-powered-by"]).toBeUndefined();
  expect(response.headers.server).toBeUndefined();
}

const post = (payload: string | Buffer, type = "application/json", target = app) =>
  target.inject({
    method: "POST",
    url: "/__test/echo",
    headers: { "content-type": type },
    payload,
  });

describe("errors in production", () => {
  it("400, 404, 413, 415, 429, 500 and 503 are clean problem documents", async () => {
    expectCleanProblem(await post('{"title":'), 400);
    expectCleanProblem(await post('{"title":1}'), 400);
    expectCleanProblem(await app.inject({ method: "GET", url: "/nope/../../etc/passwd" }), 404);
    expectCleanProblem(await app.inject({ method: "DELETE", url: "/health" }), 404);
    expectCleanProblem(await post(JSON.stringify({ title: "x".repeat(1_048_577) })), 413);
    expectCleanProblem(await post('{"title":"t"}', "text/plain"), 415);
    expectCleanProblem(await app.inject({ method: "GET", url: "/__test/boom" }), 500);
    expectCleanProblem(await app.inject({ method: "GET", url: "/__test/range" }), 500);
    const down = await app.inject({ method: "GET", url: "/__test/db-down" });
    expectCleanProblem(down, 503);
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) last = await post('{"title":"t"}', "application/json", limited);
    expectCleanProblem(last as Response, 429);
    expect(Number(last?.headers["retry-after"])).toBeGreaterThan(0);
  });
});

describe("problem details stay short", () => {
  it("a detail that echoes a long request (path, unknown property) is cut to its documented maximum", async () => {
    const long = "k".repeat(5000);
    for (const response of [
      await app.inject({ method: "GET", url: `/${long}` }),
      await post(JSON.stringify({ title: "t", [long]: 1 })),
    ]) {
      const { detail } = response.json() as { detail: string };
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(detail.length).toBeLessThanOrEqual(DETAIL_MAX);
      expect(detail.endsWith("…")).toBe(true);
    }
  });
});

describe("security headers", () => {
  it("on successes and errors: nosniff, no-referrer, frame-ancestors, HSTS in production", async () => {
    const responses = [
      await app.inject({ method: "GET", url: "/health" }),
      await app.inject({ method: "GET", url: "/nope" }),
      await post('{"title":'),
      await app.inject({ method: "GET", url: "/__test/boom" }),
    ];
    for (const response of responses) {
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["referrer-policy"]).toBe("no-referrer");
      expect(response.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
      expect(response.headers["content-security-policy"]).toMatch(/default-src 'none'/);
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["strict-transport-security"]).toMatch(/max-age=\d{7,}/);
      expect(response.headers["x-powered-by"]).toBeUndefined();
    }
  });
});

describe("CORS", () => {
  it("no CORS_ORIGIN: no foreign origin, no null, no wildcard, on preflights too", async () => {
    for (const origin of ["https://evil.example", "null", "http://localhost:3000"]) {
      for (const method of ["GET", "OPTIONS"] as const) {
        const response = await app.inject({
          method,
          url: "/health",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
          },
        });
        expect(response.headers["access-control-allow-origin"]).toBeUndefined();
        expect(response.headers["access-control-allow-credentials"]).toBeUndefined();
      }
    }
  });

  it("an allowlisted origin gets exactly itself and Vary: Origin, never a reflection", async () => {
    const cors = await productionApp({ CORS_ORIGIN: "https://good.example" });
    try {
      const preflight = await cors.inject({
        method: "OPTIONS",
        url: "/__test/echo",
        headers: { origin: "https://good.example", "access-control-request-method": "POST" },
      });
      expect(preflight.headers["access-control-allow-origin"]).toBe("https://good.example");
      expect(String(preflight.headers.vary)).toMatch(/Origin/i);
      for (const origin of [
        "https://good.example.evil.com",
        "https://evilgood.example",
        "http://good.example",
        "null",
      ]) {
        for (const method of ["GET", "OPTIONS"] as const) {
          const response = await cors.inject({
            method,
            url: "/health",
            headers: { origin, "access-control-request-method": "GET" },
          });
          expect(response.headers["access-control-allow-origin"]).not.toBe(origin);
          expect(response.headers["access-control-allow-origin"]).not.toBe("*");
        }
      }
    } finally {
      await cors.close();
    }
  });
});

describe("hostile JSON does not hurt the process", () => {
  it("deep arrays, many keys, 1e309 and prototype keys: 400, and the next request works", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    for (const payload of [
      `{"title":${deep}}`,
      `{"title":"t","x":${deep}}`,
      `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":1`).join(",")}}`,
      '{"title":1e309}',
      '{"title":"t","__proto__":{"isAdmin":true}}',
      '{"title":"t","constructor":{"prototype":{"isAdmin":true}}}',
      '{"title":"t","title":{"$ne":null}}',
    ]) {
      expectCleanProblem(await post(payload), 400);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((await post('{"title":"t"}')).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
  });
});

describe("text that is not valid Unicode", () => {
  it("invalid UTF-8 bytes anywhere in a JSON body: 400, never stored as U+FFFD", async () => {
    const json = (inner: number[]) =>
      Buffer.concat([Buffer.from('{"title":"a'), Buffer.from(inner), Buffer.from('b"}')]);
    for (const bytes of [
      [0xff], // never valid
      [0xc3], // a lead byte without its continuation
      [0xc0, 0xaf], // overlong "/"
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate encoded as UTF-8 (CESU-8)
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    ]) {
      const response = await post(json(bytes));
      expectCleanProblem(response, 400);
      expect(response.json().detail).toMatch(/UTF-8/);
    }
    expectCleanProblem(await post(Buffer.from([0x7b, 0x22, 0xe2, 0x82])), 400); // cut mid-character
  });

  it("strings or keys with a lone UTF-16 surrogate: 400; pairs and escaped backslashes pass", async () => {
    for (const payload of [
      '{"title":"\\ud800"}',
      '{"title":"a\\udfffb"}',
      '{"title":"\\ude00\\ud83d"}',
      '{"title":"t","\\ud800":1}',
      '{"title":"t","x":[[{"y":"\\uDBFF"}]]}',
    ]) {
      const response = await post(payload);
      expectCleanProblem(response, 400);
      expect(response.json().detail).toMatch(/lone surrogates/);
    }
    const pair = await post('{"title":"key \\ud83d\\udd11"}');
    expect(pair.statusCode).toBe(200);
    expect(pair.json()).toEqual({ title: "key \u{1f511}" });
    const escaped = await post(JSON.stringify({ title: "\\ud800" }));
    expect(escaped.statusCode).toBe(200);
    expect(escaped.json()).toEqual({ title: "\\ud800" });
    expect((await post(Buffer.from('{"title":"caf\u00e9 \u{1f511}"}'))).json()).toEqual({
      title: "caf\u00e9 \u{1f511}",
    });
  });
});

describe("unknown routes", () => {
  it("are rate-limited like every route: with RATE_LIMIT_MAX=3, the 4th request is 429", async () => {
    const three = await productionApp({ RATE_LIMIT_MAX: "3" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await three.inject({ method: "GET", url: `/scan-${i}` });
        statuses.push(response.statusCode);
        if (i === 3) {
          expectCleanProblem(response, 429);
          expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
        }
      }
      expect(statuses).toEqual([404, 404, 404, 429]);
      // known routes share the client's budget: it is spent
      expect((await three.inject({ method: "POST", url: "/__test/echo" })).statusCode).toBe(429);
      expect((await three.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    } finally {
      await three.close();
    }
  });
});

describe("method override and request ids", () => {
  it("ignores X-HTTP-Method-Override and never echoes a hostile X-Request-Id", async () => {
    const override = await app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-http-method-override": "DELETE", "x-method-override": "DELETE" },
    });
    expect(override.statusCode).toBe(200);
    const trace = await app.inject({ method: "TRACE" as never, url: "/health" });
    expect([404, 405]).toContain(trace.statusCode);
    const id = "x".repeat(10_000);
    const response = await app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": id },
    });
    expect(JSON.stringify(response.headers)).not.toContain(id);
    expect(logLines.join("")).not.toContain(id);
  });
});

describe("secrets never reach the log", () => {
  it("Authorization headers and passwords are not logged", async () => {
    await app.inject({ method: "GET", url: "/nope", headers: { authorization: SECRET_HEADER } });
    await app.inject({
      method: "GET",
      url: "/__test/boom",
      headers: { authorization: SECRET_HEADER },
    });
    await post('{"title":"t","password":"hunter2-password"}');
    const log = logLines.join("");
    expect(log.length).toBeGreaterThan(0); // the log was captured
    expect(log).not.toContain("secret-token-that-must-never-be-logged");
    expect(log).not.toContain("hunter2-password");
  });

  it("the logger redacts secrets a handler might log", () => {
    const secrets = ["pw-top", "pw-body", "access-body", "refresh-body", "refresh-top", "cookie-v"];
    app.log.error(
      {
        password: "pw-top",
        refreshToken: "refresh-top",
        body: { password: "pw-body", accessToken: "access-body", refreshToken: "refresh-body" },
        req: { headers: { authorization: SECRET_HEADER, cookie: "cookie-v" } },
      },
      "a handler logged its input",
    );
    const line = logLines.find((entry) => entry.includes("a handler logged its input")) ?? "";
    expect(line).toContain("[redacted]");
    for (const secret of [...secrets, SECRET_HEADER]) expect(line).not.toContain(secret);
  });
});

describe("server options", () => {
  it("body limit, proto poisoning, timeouts, no trust in X-Forwarded-For", async () => {
    const options = app.initialConfig;
    expect(options.bodyLimit).toBeLessThanOrEqual(1_048_576);
    expect(options.onProtoPoisoning ?? "error").toBe("error");
    expect(options.onConstructorPoisoning ?? "error").toBe("error");
    expect(options.connectionTimeout).toBeGreaterThan(0);
    expect(app.server.requestTimeout).toBeGreaterThan(0);
    const ip = await app.inject({
      method: "GET",
      url: "/__test/ip",
      remoteAddress: "127.0.0.9",
      headers: { "x-forwarded-for": "203.0.113.1", "x-real-ip": "203.0.113.2" },
    });
    expect(ip.json()).toEqual({ ip: "127.0.0.9" });
  });
});

describe("raw requests on a real socket", () => {
  /** Sends raw bytes, returns everything the server answers until it closes (or 3 s pass). */
  async function raw(request: string): Promise<string> {
    const { port } = app.server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let answer = "";
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(`${answer}<still open>`);
      }, 3000);
      socket.on("data", (chunk) => {
        answer += chunk;
      });
      socket.on("error", reject);
      socket.on("close", () => {
        clearTimeout(timer);
        resolve(answer);
      });
      socket.write(request);
    });
  }

  beforeAll(async () => {
    await app.listen({ port: 0, host: "127.0.0.1" });
  });

  it("Content-Length with Transfer-Encoding, or two Content-Lengths: 400 and closed", async () => {
    const body = '{"title":"t"}';
    for (const request of [
      `POST /__test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      `POST /__test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 5\r\n\r\n${body}`,
      `GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
    ]) {
      const answer = await raw(request);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).not.toContain("<still open>");
    }
  });

  it("a chunked body over 1 MiB is 413", async () => {
    const chunk = "x".repeat(65_536);
    let request =
      "POST /__test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    request += `1\r\n{\r\n`;
    for (let i = 0; i < 17; i++) request += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    request += "0\r\n\r\n";
    expect(await raw(request)).toMatch(/^HTTP\/1\.1 413 /);
  });
  it("answers written before routing (400, 414, 431) are problem documents with the security headers", async () => {
    const cases: [string, number][] = [
      ["GARBAGE\r\n\r\n", 400],
      ["GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400],
      [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
      [`GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
      ["GET /__test/param/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
      [
        `GET /__test/param/${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        414,
      ],
    ];
    for (const [request, status] of cases) {
      const answer = await raw(request);
      const [head = "", body = ""] = answer.split("\r\n\r\n");
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      const headers = Object.fromEntries(
        head
          .split("\r\n")
          .slice(1)
          .map((line) => [
            line.slice(0, line.indexOf(":")).toLowerCase(),
            line.slice(line.indexOf(":") + 1).trim(),
          ]),
      );
      expect(headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["content-security-policy"]).toMatch(/default-src 'none'/);
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["strict-transport-security"]).toMatch(/max-age=\d{7,}/);
      const problem = JSON.parse(body);
      expect(Object.keys(problem).sort()).toEqual(["detail", "status", "title", "type"]);
      expect(problem.status).toBe(status);
      expect(body).not.toMatch(/aaaa|%zz|fastify|FST_|HPE_/i);
      expect(answer).not.toContain("<still open>");
    }
  });
});

describe("configuration", () => {
  it("bad values stop start-up with one line per variable, never the value", async () => {
    let message = "";
    try {
      await loadConfig({
        NODE_ENV: "staging",
        PORT: "abc",
        LOG_LEVEL: "loud",
        RATE_LIMIT_MAX: "-5",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ["NODE_ENV", "PORT", "LOG_LEVEL", "RATE_LIMIT_MAX"]) {
      expect(message).toMatch(new RegExp(`^\\s*${name}\\b`, "m"));
    }
    expect(message).not.toMatch(/staging|abc|loud/);
  });

  it("the server exits non-zero before listening when PORT is not a number", () => {
    const run = spawnSync(process.execPath, ["--experimental-strip-types", "src/server.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "abc", NODE_ENV: "production", LOG_LEVEL: "silent" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull(); // it exited on its own, it did not hang listening
    expect(run.stderr).toMatch(/PORT/);
    expect(run.stderr).not.toMatch(/\bat .*:\d+:\d+/); // no stack
  });
});
