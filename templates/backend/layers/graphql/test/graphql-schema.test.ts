/**
 * The schema is exactly the one GRAPHQL.md describes: each schema module's part is stated in
 * test/graphql-schema/ (one file per module), and the schema holds those types and fields and no others.
 */
import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/app.ts";
import { gql, type SchemaPart } from "./support/graphql.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

interface TypeInfo {
  name: string;
  fields: { name: string; type: string; args: string[] }[] | null;
  inputFields: { name: string; type: string }[] | null;
}

const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";

type Ref = { kind: string; name: string | null; ofType: Ref | null };
function show(ref: Ref): string {
  if (ref.kind === "NON_NULL") return `${show(ref.ofType as Ref)}!`;
  if (ref.kind === "LIST") return `[${show(ref.ofType as Ref)}]`;
  return ref.name as string;
}

async function typeOf(name: string): Promise<TypeInfo | null> {
  const result = await gql<{
    __type: null | {
      name: string;
      fields:
        | {
            name: string;
            type: Ref;
            args: { name: string; type: Ref; defaultValue: string | null }[];
          }[]
        | null;
      inputFields: { name: string; type: Ref }[] | null;
    };
  }>(
    t.app,
    `query ($name: String!) { __type(name: $name) {
      name
      fields { name type { ${TYPE_REF} } args { name defaultValue type { ${TYPE_REF} } } }
      inputFields { name type { ${TYPE_REF} } }
    } }`,
    { name },
  );
  expect(result.errors).toBeUndefined();
  const type = result.data?.__type;
  if (!type) return null;
  return {
    name: type.name,
    fields:
      type.fields?.map((f) => ({
        name: f.name,
        type: show(f.type),
        args: f.args.map(
          (a) => `${a.name}: ${show(a.type)}${a.defaultValue ? ` = ${a.defaultValue}` : ""}`,
        ),
      })) ?? null,
    inputFields: type.inputFields?.map((f) => ({ name: f.name, type: show(f.type) })) ?? null,
  };
}

const signature = (type: TypeInfo | null) =>
  Object.fromEntries(
    (type?.fields ?? []).map((f) => [f.name, `(${f.args.join(", ")}): ${f.type}`]),
  );

/** Every file in test/graphql-schema/ states one schema module's part; together, the whole schema. */
async function expectedSchema() {
  const dir = new URL("./graphql-schema/", import.meta.url);
  const files = (await readdir(dir)).filter((name) => name.endsWith(".ts")).sort();
  const whole = {
    query: {} as Record<string, string>,
    mutation: {} as Record<string, string>,
    objects: {} as NonNullable<SchemaPart["objects"]>,
    inputs: {} as NonNullable<SchemaPart["inputs"]>,
  };
  for (const file of files) {
    const part = (await import(new URL(file, dir).href)).default as SchemaPart;
    Object.assign(whole.query, part.query);
    Object.assign(whole.mutation, part.mutation);
    Object.assign(whole.objects, part.objects);
    Object.assign(whole.inputs, part.inputs);
  }
  return whole;
}

/** Types every schema has. */
const BUILT_IN = new Set(["String", "Boolean", "ID", "Int", "Float"]);

describe("the GraphQL schema (GRAPHQL.md)", () => {
  let expected: Awaited<ReturnType<typeof expectedSchema>>;
  beforeAll(async () => {
    expected = await expectedSchema();
  });

  it("has the Query fields", async () => {
    expect(signature(await typeOf("Query"))).toEqual(expected.query);
  });

  it("has the Mutation fields", async () => {
    expect(signature(await typeOf("Mutation"))).toEqual(expected.mutation);
  });

  it("has the object and input types", async () => {
    for (const [name, fields] of Object.entries(expected.objects)) {
      expect(signature(await typeOf(name)), name).toEqual(fields);
    }
    for (const [name, fields] of Object.entries(expected.inputs)) {
      expect((await typeOf(name))?.inputFields, name).toEqual(fields);
    }
  });

  it("has no other types", async () => {
    const result = await gql<{ __schema: { types: { name: string }[] } }>(
      t.app,
      "{ __schema { types { name } } }",
    );
    const names = (result.data?.__schema.types ?? [])
      .map((type) => type.name)
      .filter((name) => !name.startsWith("__") && !BUILT_IN.has(name));
    const declared = [
      "Query",
      "Mutation",
      ...Object.keys(expected.objects),
      ...Object.keys(expected.inputs),
    ];
    expect(names.sort()).toEqual(declared.sort());
  });
});
