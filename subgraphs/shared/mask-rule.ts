/**
 * Masking, the second line: a text field that the caller's profile may read masked only (a
 * `mask:` grant in policies.yaml) leaves the subgraph already masked, so the full value does not
 * even reach the gateway. The gateway masks again before it answers (the first line,
 * gateway/authorization/complete.ts); masking twice changes nothing (lib/authorization/mask.ts).
 *
 * Entity keys are left alone: the gateway joins subgraphs and names persons in the audit trail
 * by them (a masked 宛名番号 would attribute a read to nobody), and the client never receives a
 * key it did not ask for — when it asks, the gateway masks it.
 */
import { getNamedType, GraphQLString, isObjectType, Kind, type DocumentNode, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { readClassifications } from '../../lib/authorization/classification';
import { maskValue } from '../../lib/authorization/mask';
import { fieldMask } from '../../lib/authorization/profile';
import type { SubgraphAuth } from './identity';

type Resolve = (parent: unknown, args: unknown, context: { auth?: SubgraphAuth }, info: GraphQLResolveInfo) => unknown;

/** The classified String fields that are no entity key: the fields a mask can apply to. */
export function maskableFields(schema: GraphQLSchema, typeDefs: DocumentNode): Map<string, string[][]> {
  const keyFields = new Set<string>();
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'key' && directive.name.value !== 'federation__key') continue;
      const fields = directive.arguments?.find((argument) => argument.name.value === 'fields')?.value;
      if (fields?.kind === Kind.STRING) for (const name of fields.value.split(/[\s{}]+/).filter(Boolean)) keyFields.add(`${definition.name.value}.${name}`);
    }
  }
  const maskable = new Map<string, string[][]>();
  for (const [coordinate, classification] of readClassifications(typeDefs)) {
    if (!classification.policies || keyFields.has(coordinate)) continue;
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    const field = type && isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (field && getNamedType(field.type) === GraphQLString) maskable.set(coordinate, classification.policies);
  }
  return maskable;
}

/** The schema with every maskable field masked for profiles that may read it masked only (a new schema). */
export function applyMaskRule(schema: GraphQLSchema, typeDefs: DocumentNode): GraphQLSchema {
  const middleware: Record<string, Record<string, unknown>> = {};
  for (const [coordinate, policies] of maskableFields(schema, typeDefs)) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    (middleware[typeName] ??= {})[fieldName] = (resolve: Resolve, parent: unknown, args: unknown, context: { auth?: SubgraphAuth }, info: GraphQLResolveInfo) => {
      const profile = context.auth?.profile;
      // Most profiles have no masked policy: the resolver's own result, no extra promise.
      const mask = profile && profile.masked.size > 0 ? fieldMask(profile, policies) : null;
      if (mask === null) return resolve(parent, args, context, info);
      const apply = (value: unknown): unknown => {
        if (value === null || value === undefined) return value;
        if (typeof value === 'string') return maskValue(value, mask);
        if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? maskValue(item, mask) : null));
        return null;
      };
      const value = resolve(parent, args, context, info);
      return value instanceof Promise ? value.then(apply) : apply(value);
    };
  }
  if (Object.keys(middleware).length === 0) return schema;
  return applyMiddleware(schema, middleware as Parameters<typeof applyMiddleware>[1]);
}
