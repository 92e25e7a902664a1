import { Type } from "typebox";
import { configSection } from "../config.ts";

export type TracesExporter = "otlp" | "console" | "none";

declare module "../config.ts" {
  interface Config {
    /** Where spans go: the OTLP collector, stdout, or nowhere. */
    tracesExporter: TracesExporter;
  }
}

/**
 * Tracing (Acme: observability=otel): whether and where spans are exported. The OpenTelemetry SDK
 * reads these variables itself, with the others of its kind (OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, …); declaring them here checks them at start.
 */
export default configSection(
  Type.Object({
    OTEL_TRACES_EXPORTER: Type.Union(
      [Type.Literal(""), Type.Literal("otlp"), Type.Literal("console"), Type.Literal("none")],
      { default: "", description: "one of otlp, console, none (or empty)" },
    ),
    OTEL_EXPORTER_OTLP_ENDPOINT: Type.String({
      default: "",
      description: "an http(s) URL such as http://localhost:4318",
    }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.String({
      default: "",
      description: "an http(s) URL such as http://localhost:4318/v1/traces",
    }),
  }),
  (env, problems) => {
    for (const name of [
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ] as const) {
      if (env[name] !== "" && !isHttpUrl(env[name])) {
        problems.push(`${name} must be an http(s) URL such as http://localhost:4318`);
      }
    }
    const collector =
      env.OTEL_EXPORTER_OTLP_ENDPOINT !== "" || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== "";
    // An explicit choice wins; otherwise spans go to a collector when one is configured, else nowhere.
    const tracesExporter: TracesExporter =
      env.OTEL_TRACES_EXPORTER !== "" ? env.OTEL_TRACES_EXPORTER : collector ? "otlp" : "none";
    return { tracesExporter };
  },
);

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
