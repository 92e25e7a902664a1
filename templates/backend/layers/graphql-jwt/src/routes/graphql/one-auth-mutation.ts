import type { FastifyPluginAsync } from "fastify";
import { GraphQLError, type ValidationRule } from "graphql";

/** Mutations that check a password or a token. */
const guardedMutations = new Set(["register", "login", "refresh", "logout"]);

/**
 * At most one register/login/refresh/logout per request, aliases or not, so that one request
 * cannot carry a hundred password guesses. Checked with the other limits, before anything runs.
 */
export const oneAuthMutationRule: ValidationRule = (context) => {
  let seen = 0;
  return {
    Field(node) {
      const parent = context.getParentType();
      if (
        parent &&
        parent === context.getSchema().getMutationType() &&
        guardedMutations.has(node.name.value)
      ) {
        seen++;
        if (seen === 2) {
          context.reportError(
            new GraphQLError(
              "Only one of register, login, refresh or logout is allowed per request.",
              { nodes: [node] },
            ),
          );
        }
      }
    },
  };
};

const oneAuthMutation: FastifyPluginAsync = async (app) => {
  app.graphqlValidationRules.push(oneAuthMutationRule);
};

export default oneAuthMutation;
