import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/app.ts";
import { newSession } from "./support/session.ts";

// The docs page's "Try it out" fills a request from the document's examples: each operation,
// sent with exactly those, must pass the server's own validation (no 400) and get an answer the
// document lists.

interface Schema {
  type?: string;
  examples?: unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
  security?: unknown[];
}

let t: Awaited<ReturnType<typeof createTestApp>>;
let session: Record<string, string>;
let operations: { method: string; path: string; operation: Operation }[];

beforeAll(async () => {
  t = await createTestApp();
  session = await newSession(t.app);
  const document = (await t.app.inject({ url: "/openapi.json" })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
});

afterAll(async () => {
  await t?.close();
});

/** The example a client would send for `schema`: its own, or an object of its properties'. */
function exampleOf(schema: Schema | undefined, where: string): unknown {
  if (schema?.examples?.length) return schema.examples[0];
  if (schema?.example !== undefined) return schema.example;
  if (schema?.type === "object" && schema.properties) {
    const value: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(schema.properties)) {
      const required = schema.required?.includes(name) ?? false;
      if (required || property.examples?.length || property.example !== undefined) {
        value[name] = exampleOf(property, `${where}.${name}`);
      }
    }
    return value;
  }
  throw new Error(`${where} has no example`);
}

function parameterExample(parameter: Parameter, where: string): unknown {
  if (parameter.example !== undefined) return parameter.example;
  const [first] = Object.values(parameter.examples ?? {});
  if (first) return first.value;
  return exampleOf(parameter.schema, `${where} parameter ${parameter.name}`);
}

/** The request "Try it out" makes from the document alone. */
function requestFrom(method: string, path: string, operation: Operation): InjectOptions {
  const where = `${method.toUpperCase()} ${path}`;
  let url = path;
  const query: Record<string, string> = {};
  for (const parameter of operation.parameters ?? []) {
    const hasExample =
      parameter.example !== undefined ||
      parameter.examples !== undefined ||
      parameter.schema?.examples !== undefined;
    if (!parameter.required && !hasExample) continue;
    const value = String(parameterExample(parameter, where));
    if (parameter.in === "path")
      url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
    if (parameter.in === "query") query[parameter.name] = value;
  }
  const json = operation.requestBody?.content["application/json"];
  return {
    method: method.toUpperCase() as InjectOptions["method"],
    url,
    query,
    headers: operation.security?.length ? session : {},
    ...(json ? { payload: exampleOf(json.schema, `${where} body`) as object } : {}),
  };
}

describe("the OpenAPI document's examples", () => {
  it("give every operation a request that passes validation", async () => {
    expect(operations.length).toBeGreaterThan(5);
    for (const { method, path, operation } of operations) {
      const response = await t.app.inject(requestFrom(method, path, operation));
      const where = `${method.toUpperCase()} ${path}: ${response.statusCode} ${response.body}`;
      expect(response.statusCode, where).not.toBe(400);
      // A documented 503 is an optional service this test app leaves unconfigured (e.g. sign-in
      // through a provider); any other 5xx is a bug.
      if (response.statusCode !== 503) expect(response.statusCode, where).toBeLessThan(500);
      expect(Object.keys(operation.responses), where).toContain(String(response.statusCode));
    }
  });

  it("include a request body example for every operation that takes one", () => {
    for (const { method, path, operation } of operations) {
      const json = operation.requestBody?.content["application/json"];
      if (json) expect(() => exampleOf(json.schema, `${method} ${path}`)).not.toThrow();
    }
  });
});
