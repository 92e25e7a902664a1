import { GraphQLError, type ValidationRule } from "graphql";

/**
 * An operation of a type the schema does not have (a `subscription`: this API has none) is a
 * client error found while validating, GRAPHQL_VALIDATION_FAILED with status 400, before anything
 * runs. graphql-js 16 only finds it while executing, as an error that reads like a server fault.
 */
export const knownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root =
      node.operation === "query"
        ? schema.getQueryType()
        : node.operation === "mutation"
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!root) {
      context.reportError(
        new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: [node] }),
      );
    }
    return false;
  },
});
