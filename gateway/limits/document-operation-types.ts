import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * graphql-js 16 lets an operation whose root type the schema lacks (a `subscription` or a
 * `mutation` here: the supergraph has neither) pass validation, and @apollo/gateway's planner then
 * throws INVALID_GRAPHQL, which Apollo Server answered with HTTP 500. This rule (graphql-js 17's
 * KnownOperationTypesRule) refuses it at validation: HTTP 400 GRAPHQL_VALIDATION_FAILED.
 */
export const knownOperationTypesRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(new GraphQLError(`The schema does not support ${node.operation} operations.`, { nodes: node }));
    }
  },
});
