import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import mercurius, { type IResolvers } from "mercurius";
import type { Config } from "../config.ts";
import { declaresUtf8, unsupportedCharset } from "../http/security.ts";
import { formatErrors } from "./errors.ts";
import { graphiqlRoutes } from "./graphiql.ts";
import { limitRules, limits, noIntrospectionRule } from "./limits.ts";
import { createContext, type GraphQLServices, graphqlModules } from "./modules.ts";

export type GraphQLPluginOptions = GraphQLServices & { config: Config };

/**
 * POST /graphql (and GET for queries), GraphiQL at /graphiql outside production.
 *
 * The schema is built from modules (src/notes/graphql.ts, and src/auth/graphql.ts with auth);
 * add a module in src/graphql/modules.ts to grow the API.
 */
export async function graphqlPlugin(app: FastifyInstance, options: GraphQLPluginOptions) {
  const { config } = options;
  const production = config.isProduction;
  const modules = graphqlModules(options);

  const resolvers: Record<string, Record<string, unknown>> = {};
  for (const module of modules) {
    for (const [type, fields] of Object.entries(module.resolvers)) {
      resolvers[type] = { ...resolvers[type], ...fields };
    }
  }

  // A query sent as application/graphql must be UTF-8, like a JSON body (src/http/security.ts).
  // mercurius parses that type itself, in its own plugin context, without looking at the charset:
  // the check goes on its POST route (this hook sees the routes mercurius registers).
  app.addHook("onRoute", (route) => {
    if (route.method !== "POST" || route.url !== "/graphql") return;
    const own = route.preValidation ?? [];
    route.preValidation = [...(Array.isArray(own) ? own : [own]), refuseOtherCharsets];
  });

  await app.register(mercurius, {
    schema: modules.map((module) => module.typeDefs).join("\n"),
    resolvers: resolvers as IResolvers,
    context: createContext(options),
    path: "/graphql",
    // mercurius's own GraphiQL page loads its code from a CDN; ours is served below.
    graphiql: false,
    // One operation per request: an array of operations is refused (400).
    allowBatchedQueries: false,
    queryDepth: limits.depth,
    validationRules: production ? [noIntrospectionRule, ...limitRules] : limitRules,
    graphql: { parseOptions: { maxTokens: limits.tokens } },
    errorFormatter: (execution, context) => {
      const formatted = formatErrors(execution.errors, {
        log: context.reply?.log ?? app.log,
        production,
        executed: "data" in execution,
      });
      if (formatted.retryAfter !== undefined) {
        context.reply?.header("retry-after", String(formatted.retryAfter));
      }
      return {
        statusCode: formatted.statusCode,
        response: { data: execution.data ?? null, errors: formatted.errors },
      };
    },
  });

  if (!production) await app.register(graphiqlRoutes, { withAuth: "auth" in options });
}

function refuseOtherCharsets(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
) {
  done(declaresUtf8(request.headers["content-type"]) ? undefined : unsupportedCharset());
}
