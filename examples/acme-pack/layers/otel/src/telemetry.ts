/**
 * Acme house rule: every service emits OpenTelemetry traces. `npm start` and `npm run dev` load this
 * file first (`node --import`), before Fastify, so that @fastify/otel can attach itself to every
 * Fastify instance the app creates: src/app.ts does not need to know about tracing.
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

export interface Telemetry {
  provider: NodeTracerProvider;
  instrumentation: FastifyOtelInstrumentation;
  /** Flushes pending spans; call it on shutdown. */
  shutdown: () => Promise<void>;
}

/** Probes are polled every few seconds by the orchestrator: tracing them is noise. */
const PROBES = new Set(["/health", "/ready"]);

/**
 * Where spans go: OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) set → OTLP over HTTP to the
 * collector; OTEL_TRACES_EXPORTER=console → stdout; otherwise nowhere. Tests pass their own.
 */
export function spanProcessorsFor(env: NodeJS.ProcessEnv): SpanProcessor[] {
  if (env.OTEL_TRACES_EXPORTER === "none") return [];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    return [new BatchSpanProcessor(new OTLPTraceExporter())];
  }
  if (env.OTEL_TRACES_EXPORTER === "console")
    return [new BatchSpanProcessor(new ConsoleSpanExporter())];
  return [];
}

export function startTelemetry(
  spanProcessors: SpanProcessor[] = spanProcessorsFor(process.env),
): Telemetry {
  // service.name and other attributes come from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (.env).
  const resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register();
  const instrumentation = new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    ignorePaths: ({ url }) => PROBES.has(url),
  });
  instrumentation.setTracerProvider(provider);
  return {
    provider,
    instrumentation,
    shutdown: async () => {
      instrumentation.disable();
      await provider.shutdown();
    },
  };
}
