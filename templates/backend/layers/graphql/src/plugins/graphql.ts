import { Transform } from "node:stream";
import type { FastifyReply, FastifyRequest, preParsingHookHandler } from "fastify";
import fp from "fastify-plugin";
import type { ValidationRule } from "graphql";
import mercurius from "mercurius";
import { formatErrors } from "../graphql/errors.ts";
import { limitRules, limits, noIntrospectionRule } from "../graphql/limits.ts";
import { knownOperationTypesRule } from "../graphql/operation-types.ts";
import { declaresUtf8, invalidText, unsupportedCharset } from "./json-body.ts";

declare module "fastify" {
  interface FastifyInstance {
    /**
     * The rules a GraphQL document must pass before anything runs, besides the spec's own: the
     * limits of src/graphql/limits.ts, and whatever a schema module adds for its fields while the
     * app starts (before the first request).
     */
    graphqlValidationRules: ValidationRule[];
  }
}

/**
 * POST /graphql (and GET for queries), served by mercurius.
 *
 * The schema starts with empty `Query` and `Mutation` types: each file in src/routes/graphql/
 * adds its part with `app.graphql.extendSchema(…)` and `app.graphql.defineResolvers(…)`, so a new
 * part of the API is a new file there. Resolvers reach the services through `ctx.app` (the app's
 * decorators) and the HTTP request through `ctx.reply.request`.
 */
export default fp(
  async (app) => {
    const production = app.config.isProduction;
    const rules = [knownOperationTypesRule, ...limitRules];
    const validationRules = production ? [noIntrospectionRule, ...rules] : rules;
    app.decorate("graphqlValidationRules", validationRules);

    // A query sent as application/graphql must be valid UTF-8, like a JSON body
    // (src/plugins/json-body.ts). mercurius parses that type itself, in its own plugin context,
    // without looking at the charset or the bytes: the checks go on its POST route (this hook sees
    // the routes mercurius registers).
    app.addHook("onRoute", (route) => {
      if (route.method !== "POST" || route.url !== "/graphql") return;
      const parsing = route.preParsing ?? [];
      route.preParsing = [...(Array.isArray(parsing) ? parsing : [parsing]), checkGraphqlText];
      const own = route.preValidation ?? [];
      route.preValidation = [...(Array.isArray(own) ? own : [own]), refuseOtherCharsets];
    });

    await app.register(mercurius, {
      defineMutation: true,
      path: "/graphql",
      // mercurius's own GraphiQL page loads its code from a CDN; ours is src/routes/graphiql.ts.
      graphiql: false,
      // One operation per request: an array of operations is refused (400).
      allowBatchedQueries: false,
      queryDepth: limits.depth,
      // mercurius reads this array each time it validates a new document, so the rules schema
      // modules add to `app.graphqlValidationRules` apply too.
      validationRules,
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
  },
  {
    name: "graphql",
    // In place before mercurius adds its routes: the UTF-8 JSON parser, the app's Ajv (for the
    // shape of the request body) and the rate limit (it applies to routes added after it).
    dependencies: ["json-body", "validation", "rate-limit"],
  },
);

/**
 * An application/graphql body passes through a strict UTF-8 decoder as it arrives: invalid bytes
 * end the request with 400 (instead of U+FFFD in the query). Other types pass untouched.
 */
const checkGraphqlText: preParsingHookHandler = (request, _reply, payload, done) => {
  if (!/^\s*application\/graphql\s*(;|$)/i.test(request.headers["content-type"] ?? "")) {
    done(null, payload);
    return;
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      try {
        decoder.decode(chunk, { stream: true });
        next(null, chunk);
      } catch {
        next(invalidText());
      }
    },
    flush(next) {
      try {
        decoder.decode();
        next();
      } catch {
        next(invalidText());
      }
    },
  });
  payload.on("error", (error) => checked.destroy(error));
  done(null, payload.pipe(checked));
};

function refuseOtherCharsets(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
) {
  done(declaresUtf8(request.headers["content-type"]) ? undefined : unsupportedCharset());
}
