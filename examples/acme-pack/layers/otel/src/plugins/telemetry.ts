/**
 * Acme house rule: every service emits OpenTelemetry traces. This plugin registers @fastify/otel on
 * the root instance, so every request gets a span with its method, route and status; the probes
 * (/health, /ready) are polled every few seconds by the orchestrator and are not traced.
 */
import { FastifyOtelInstrumentation } from "@fastify/otel";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, detectResources, envDetector } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import fp from "fastify-plugin";
import type { TracesExporter } from "../config/telemetry.ts";

export interface Telemetry {
  provider: NodeTracerProvider;
  instrumentation: FastifyOtelInstrumentation;
  /** Sends spans to one more processor (a test's in-memory exporter, say) until the returned call. */
  addSpanProcessor(processor: SpanProcessor): () => void;
}

const PROBES = new Set(["/health", "/ready"]);

/** Spans of every app of this process go through one tracer provider. */
const TELEMETRY = Symbol.for("acme.telemetry");

/**
 * Starts the process's tracer provider and @fastify/otel on the first call; every later call
 * returns the same ones, whatever it passes (tests build many apps in one process, one test file
 * after another: a test adds its own processor with addSpanProcessor). Kept on `globalThis` because
 * this module can be loaded twice in one process: @fastify/autoload imports it, and a test may
 * import it through Vitest's loader.
 */
export function startTelemetry(spanProcessors: () => SpanProcessor[]): Telemetry {
  const registry = globalThis as typeof globalThis & { [TELEMETRY]?: Telemetry };
  registry[TELEMETRY] ??= createTelemetry(spanProcessors());
  return registry[TELEMETRY];
}

function createTelemetry(spanProcessors: SpanProcessor[]): Telemetry {
  // service.name and other attributes come from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (.env).
  const resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
  const processors = new SpanProcessors(spanProcessors);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processors] });
  provider.register();
  const instrumentation = new FastifyOtelInstrumentation({
    ignorePaths: ({ url }) => PROBES.has(url.split("?")[0] ?? url),
  });
  instrumentation.setTracerProvider(provider);
  return { provider, instrumentation, addSpanProcessor: (processor) => processors.add(processor) };
}

/** The provider's processors; OpenTelemetry fixes a provider's list when it is made, this can grow. */
class SpanProcessors implements SpanProcessor {
  readonly #processors: Set<SpanProcessor>;

  constructor(processors: SpanProcessor[]) {
    this.#processors = new Set(processors);
  }

  add(processor: SpanProcessor): () => void {
    this.#processors.add(processor);
    return () => this.#processors.delete(processor);
  }

  onStart(...args: Parameters<SpanProcessor["onStart"]>): void {
    for (const processor of this.#processors) processor.onStart(...args);
  }

  onEnd(...args: Parameters<SpanProcessor["onEnd"]>): void {
    for (const processor of this.#processors) processor.onEnd(...args);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.#processors].map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.#processors].map((processor) => processor.shutdown()));
  }
}

/** OTLP over HTTP to the collector (its URL and headers from OTEL_EXPORTER_OTLP_*), stdout, or nothing. */
export function spanProcessorsFor(exporter: TracesExporter): SpanProcessor[] {
  if (exporter === "otlp") return [new BatchSpanProcessor(new OTLPTraceExporter())];
  if (exporter === "console") return [new BatchSpanProcessor(new ConsoleSpanExporter())];
  return [];
}

export default fp(
  async (app) => {
    const telemetry = startTelemetry(() => spanProcessorsFor(app.config.tracesExporter));
    await app.register(telemetry.instrumentation.plugin());
    // The provider outlives this app (one per process); send what is buffered when the app stops.
    app.addHook("onClose", async () => {
      await telemetry.provider.forceFlush();
    });
  },
  { name: "telemetry" },
);
