import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { startTelemetry } from "../src/plugins/telemetry.ts";
import { configProblems, testConfig } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";

// The process's provider (an app of an earlier test file in this worker may have started it)
// sends its spans to an in-memory exporter too, while this file runs.
const exporter = new InMemorySpanExporter();
const removeExporter = startTelemetry(() => []).addSpanProcessor(new SimpleSpanProcessor(exporter));

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  db = await openTestDatabase();
  app = await buildApp({ config: await testConfig(), database: db, logger: false });
  // A route declared like any route of src/routes/, after the plugins.
  app.get("/traced/:id", async (request) => ({ id: (request.params as { id: string }).id }));
  app.post(
    "/traced",
    {
      schema: {
        body: {
          type: "object",
          required: ["name"],
          properties: { name: { type: "string" } },
          additionalProperties: false,
        },
      },
    },
    async () => ({ ok: true }),
  );
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  removeExporter();
  await exporter.shutdown();
});

function requestSpans() {
  return exporter.getFinishedSpans().filter((span) => span.name === "request");
}

describe("tracing (Acme observability=otel)", () => {
  it("records a span per request, with its method, route and status", async () => {
    exporter.reset();
    const response = await app.inject({ method: "GET", url: "/traced/42?x=1" });
    expect(response.statusCode).toBe(200);
    const [span, ...others] = requestSpans();
    expect(others).toEqual([]);
    expect(span?.attributes["http.request.method"]).toBe("GET");
    expect(span?.attributes["http.route"]).toBe("/traced/:id");
    expect(span?.attributes["http.response.status_code"]).toBe(200);
  });

  it("records unknown routes and error answers too", async () => {
    exporter.reset();
    expect((await app.inject({ method: "GET", url: "/nope" })).statusCode).toBe(404);
    expect((await app.inject({ method: "POST", url: "/traced", payload: {} })).statusCode).toBe(
      400,
    );
    const [notFound, invalid, ...others] = requestSpans();
    expect(others).toEqual([]);
    expect(notFound?.attributes["http.response.status_code"]).toBe(404);
    expect(invalid?.attributes["http.route"]).toBe("/traced");
    expect(invalid?.attributes["http.response.status_code"]).toBe(400);
  });

  it("does not trace the health and readiness probes", async () => {
    exporter.reset();
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/health?verbose=1" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe("tracing configuration", () => {
  it("exports to a collector only when one is configured, or as OTEL_TRACES_EXPORTER says", async () => {
    expect((await testConfig()).tracesExporter).toBe("none");
    const collector = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect((await testConfig(collector)).tracesExporter).toBe("otlp");
    expect((await testConfig({ ...collector, OTEL_TRACES_EXPORTER: "none" })).tracesExporter).toBe(
      "none",
    );
    expect((await testConfig({ OTEL_TRACES_EXPORTER: "console" })).tracesExporter).toBe("console");
  });

  it("refuses a bad value with one line naming the variable", async () => {
    const problems = await configProblems({
      OTEL_TRACES_EXPORTER: "jaeger",
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
    });
    expect(problems).toEqual([
      expect.stringMatching(/^OTEL_TRACES_EXPORTER /),
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_ENDPOINT /),
    ]);
  });
});
