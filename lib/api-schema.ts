/**
 * The API schema of a supergraph: what a client sees (no join, link or security directives; the
 * @inaccessible parts removed). The officer's view of registered documents validates and walks
 * documents against it (`npm run compose` publishes it per contract as schema/api/<contract>.graphql).
 */
import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';

export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // supportedFeatures: null — reading the schema, not executing it (the gateway checks the features it enforces).
  return Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
}
