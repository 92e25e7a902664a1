import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from "graphql";

// These rules look at the AST and at type shapes only, never `instanceof` (graphql-js checks
// that with isObjectType & co.): under Vitest, graphql can be loaded twice (its ESM and CommonJS
// builds, one for this code and one for mercurius), and its instanceof checks would then throw.

// Limits that keep one request cheap. Together with mercurius's `queryDepth` (20 levels,
// introspection included) and batching off, they bound the work a single HTTP request can ask for.
export const limits = {
  /** Deepest selection allowed; the standard introspection query is 15 deep. */
  depth: 20,
  /** Aliases per document: each alias runs its field again. */
  aliases: 15,
  /** Directives per document (@include/@skip/...). */
  directives: 50,
  /** Parser tokens per document; the standard introspection query has about 200. */
  tokens: 2000,
  /** Static cost per operation: 1 per field, and a field with a `limit` argument costs limit × its selection. */
  cost: 1000,
  /** Largest `limit` a list field accepts; a variable is costed at this value. */
  listLimit: 100,
  /** A list field's `limit` when the query does not give one. */
  defaultListLimit: 20,
} as const;

function countingRule(
  what: string,
  max: number,
  count: (doc: DocumentNode) => number,
): ValidationRule {
  return (context: ValidationContext) => ({
    Document(node) {
      const n = count(node);
      if (n > max) {
        context.reportError(
          new GraphQLError(`Too many ${what}: ${n}, at most ${max} allowed.`, { nodes: [node] }),
        );
      }
      return false;
    },
  });
}

function countNodes(
  doc: DocumentNode,
  test: (node: { kind: string; alias?: unknown }) => boolean,
): number {
  let n = 0;
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const child of node) stack.push(child);
    } else if (node && typeof node === "object") {
      if ("kind" in node && test(node as { kind: string })) n++;
      for (const [key, value] of Object.entries(node)) {
        if (key !== "loc" && value && typeof value === "object") stack.push(value);
      }
    }
  }
  return n;
}

export const maxAliasesRule = countingRule("aliases", limits.aliases, (doc) =>
  countNodes(doc, (node) => node.kind === Kind.FIELD && node.alias !== undefined),
);

export const maxDirectivesRule = countingRule("directives", limits.directives, (doc) =>
  countNodes(doc, (node) => node.kind === Kind.DIRECTIVE),
);

/** How many items a list field asks for: its `limit` argument, else that argument's default. */
function listSize(
  def: GraphQLField<unknown, unknown> | undefined,
  args: readonly { name: { value: string }; value: ValueNode }[] | undefined,
): number | null {
  const arg = args?.find((a) => a.name.value === "limit");
  const argDef = def?.args.find((a) => a.name === "limit");
  if (!arg && !argDef) return null;
  const clamp = (n: number) => Math.min(Math.max(n, 1), limits.listLimit);
  if (!arg) {
    return typeof argDef?.defaultValue === "number"
      ? clamp(argDef.defaultValue)
      : limits.defaultListLimit;
  }
  if (arg.value.kind === Kind.INT) return clamp(Number.parseInt(arg.value.value, 10));
  // A variable (or anything else) is costed at the largest allowed value, so the cost of a
  // document does not depend on its variables (mercurius caches validation per document).
  return limits.listLimit;
}

function fieldsOf(
  type: GraphQLNamedType | undefined,
): Record<string, GraphQLField<unknown, unknown>> | undefined {
  return type && "getFields" in type && !("parseValue" in type)
    ? (type.getFields() as Record<string, GraphQLField<unknown, unknown>>)
    : undefined;
}

function namedType(type: GraphQLType): GraphQLNamedType {
  let current: GraphQLType = type;
  while ("ofType" in current && current.ofType) current = current.ofType as GraphQLType;
  return current as GraphQLNamedType;
}

/** Static cost of a selection set; fragments are costed once each (memoized), so this stays linear. */
function selectionCost(
  schema: GraphQLSchema,
  set: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  memo: Map<string, number>,
  visiting: Set<string>,
): number {
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const def = fieldsOf(parent)?.[selection.name.value];
      const child = selection.selectionSet
        ? selectionCost(
            schema,
            selection.selectionSet,
            def ? namedType(def.type) : undefined,
            fragments,
            memo,
            visiting,
          )
        : 0;
      const size = listSize(def, selection.arguments);
      total += 1 + (size === null ? child : size * Math.max(child, 1));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition
        ? schema.getType(selection.typeCondition.name.value)
        : parent;
      total += selectionCost(
        schema,
        selection.selectionSet,
        type ?? undefined,
        fragments,
        memo,
        visiting,
      );
    } else {
      const name = selection.name.value;
      const known = memo.get(name);
      if (known !== undefined) {
        total += known;
        continue;
      }
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) continue; // unknown fragments and cycles are reported by the spec rules
      visiting.add(name);
      const type = schema.getType(fragment.typeCondition.name.value) ?? undefined;
      const cost = selectionCost(schema, fragment.selectionSet, type, fragments, memo, visiting);
      visiting.delete(name);
      memo.set(name, cost);
      total += cost;
    }
  }
  return total;
}

export const costLimitRule: ValidationRule = (context) => ({
  Document(doc) {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of doc.definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const memo = new Map<string, number>();
    for (const def of doc.definitions) {
      if (def.kind !== Kind.OPERATION_DEFINITION) continue;
      const root =
        def.operation === "query"
          ? schema.getQueryType()
          : def.operation === "mutation"
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      const cost = selectionCost(
        schema,
        def.selectionSet,
        root ?? undefined,
        fragments,
        memo,
        new Set(),
      );
      if (cost > limits.cost) {
        context.reportError(
          new GraphQLError(
            `Query is too expensive: cost ${cost}, at most ${limits.cost} allowed.`,
            { nodes: [def] },
          ),
        );
      }
    }
    return false;
  },
});

/** Introspection off (production): the `__schema` and `__type` fields; `__typename` stays. */
export const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === "__schema" || node.name.value === "__type") {
      context.reportError(
        new GraphQLError(`GraphQL introspection is disabled: cannot query "${node.name.value}".`, {
          nodes: [node],
        }),
      );
    }
  },
});

export const limitRules: ValidationRule[] = [maxAliasesRule, maxDirectivesRule, costLimitRule];
