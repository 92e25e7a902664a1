import type { FastifyInstance } from "fastify";

export interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  statusCode: number;
  headers: Record<string, unknown>;
  data: T | null | undefined;
  errors: GraphQLErrorJson[] | undefined;
  /** The `extensions.code` of every error, in order. */
  codes: (string | undefined)[];
}

/** POSTs one operation to /graphql. */
export async function gql<T = Record<string, unknown>>(
  app: FastifyInstance,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await app.inject({
    method: "POST",
    url: "/graphql",
    headers,
    payload: variables === undefined ? { query } : { query, variables },
  });
  const body = response.json() as { data?: T | null; errors?: GraphQLErrorJson[] };
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    data: body.data,
    errors: body.errors,
    codes: (body.errors ?? []).map((error) => error.extensions?.code),
  };
}

/**
 * One schema module's part of the schema, as the API promises it (test/graphql-schema/ holds one per
 * module). Fields are written `(arguments): Type`, e.g. `"(id: ID!): Note"`.
 */
export interface SchemaPart {
  query?: Record<string, string>;
  mutation?: Record<string, string>;
  /** Object types and their fields. */
  objects?: Record<string, Record<string, string>>;
  /** Input types and their fields, in order. */
  inputs?: Record<string, { name: string; type: string }[]>;
}
