import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelemetry } from "../src/telemetry.ts";
import { createTestApp } from "./support/app.ts";

// Started before the app is built, as `node --import ./dist/instrumentation.js` does for the server.
const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry([new SimpleSpanProcessor(exporter)]);
let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
  await telemetry.shutdown();
});

describe("tracing (Acme observability=otel)", () => {
  it("records a span per request, with its route and status", async () => {
    exporter.reset();
    const response = await t.app.inject({ method: "GET", url: "/nope" });
    expect(response.statusCode).toBe(404);
    const request = exporter.getFinishedSpans().find((span) => span.name === "request");
    expect(request?.attributes["http.request.method"]).toBe("GET");
    expect(request?.attributes["http.response.status_code"]).toBe(404);
  });

  it("does not trace the health and readiness probes", async () => {
    exporter.reset();
    expect((await t.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
