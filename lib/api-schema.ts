/**
 * The API schema of a supergraph: what a client sees and generates its types from (no join,
 * link or security directives; the @inaccessible parts removed). Clients cannot introspect in
 * production, so `npm run compose` publishes it as a file (schema/api/full.graphql).
 */
import { Supergraph } from '@apollo/federation-internals';
import { printSchema, type GraphQLSchema } from 'graphql';

export const API_SCHEMA_DIR = 'schema/api';
export const FULL_API_SCHEMA_FILE = 'schema/api/full.graphql';

export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // supportedFeatures: null — reading the schema, not executing it (the gateway checks the features it enforces).
  return Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
}

/** The API schema as SDL, with its header: the exact content of the published file. */
export function apiSchemaSdl(supergraphSdl: string, header: string): string {
  return `${header}${printSchema(apiSchemaOf(supergraphSdl)).trimEnd()}\n`;
}
