/**
 * The second line of authorization: graphql-shield on the subgraph's executable schema, generated
 * from the subgraph's own SDL classifications (@authenticated / @requiresScopes / @policy) and
 * decided with the same policy the gateway uses (the PermissionProfile recomputed from the signed
 * identity, see identity.ts).
 *
 * - deny by default (`fallbackRule: deny`): a field without a classification is never served;
 * - `_service` and `_entities` are allowed explicitly, and every field of an entity reached
 *   through `_entities` is still guarded by its own type's rule (shield wraps field resolvers,
 *   whichever root they are reached from);
 * - a refusal is a GraphQLError with code FORBIDDEN, naming the field and the policy; a rule that
 *   throws also ends in FORBIDDEN (fail closed); no stack, never INTERNAL_SERVER_ERROR
 *   (`debug: false`, `allowExternalErrors: false`). Errors a resolver raises after the rule
 *   allowed it (a bad argument, a malformed legacy row) are handed on unchanged to the
 *   subgraph's error formatter (errors.ts), which keeps deliberate codes and masks the rest:
 *   they are not authorization decisions and must not read as one.
 */
import { GraphQLError, isObjectType, isUnionType, type DocumentNode, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { applyMaskRule } from './mask-rule';
import { allow, deny, rule, shield, type IRule, type IRules } from 'graphql-shield';

/** One type's shield rules: field name → shield rule (graphql-shield does not export this shape). */
type IRuleFieldMap = Record<string, IRule | typeof allow>;
import { fieldDefinitions, readClassifications } from '../../lib/authorization/classification';
import { coordinateText, parseCoordinate, type FieldCoordinate } from '../../lib/authorization/coordinate';
import { denialText } from '../../lib/authorization/denial';
import { satisfies } from '../../lib/authorization/profile';
import type { FieldClassification } from '../../lib/authorization/types';
import type { SubgraphAuth } from './identity';
import { applyLocatingRule } from './locating-rule';

/** Federation's own entry points: answered for any verified caller; what they reach is guarded field by field. */
const FEDERATION_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  Query: ['_service', '_entities'],
  _Service: ['sdl'],
};

/** FORBIDDEN for one field: the policy that denied it and why, or (policy null) that no rule allows it. */
export function forbidden(coordinate: string, policy: string | null, reason: string | undefined): GraphQLError {
  const because = policy === null ? `no rule allows it${reason ? ` (${reason})` : ''}` : `it requires ${policy}${reason ? ` (${reason})` : ''}`;
  return new GraphQLError(`Forbidden: ${coordinate}: ${because}`, {
    extensions: { code: 'FORBIDDEN', ...(policy !== null ? { policy } : {}), ...(reason ? { reason } : {}) },
  });
}

/** One rule per classified field; its decision depends on the profile only, so it is cached per request. */
function fieldRule(classification: FieldClassification) {
  const { coordinate } = classification;
  return rule(`classified:${coordinate}`, { cache: 'contextual' })((_parent: unknown, _args: unknown, context: { auth?: SubgraphAuth }) => {
    const auth = context.auth;
    if (!auth) return forbidden(coordinate, null, 'no verified gateway identity');
    const decision = satisfies(auth.profile, classification.policies, classification.scopes);
    if (decision.ok) return true;
    const { deniedBy } = decision;
    return forbidden(coordinate, denialText(deniedBy), deniedBy.kind === 'policy' ? auth.profile.denials.get(deniedBy.policy) : undefined);
  });
}

/** The rule tree for a schema: classified fields get their rule, federation entry points `allow`, the rest fall back to deny. */
export function shieldRules(schema: GraphQLSchema, typeDefs: DocumentNode): IRules {
  const classifications = readClassifications(typeDefs);
  // Exempt from classification and not a federation entry point: only @external fields remain.
  const external = new Set(fieldDefinitions(typeDefs).filter((field) => field.exempt).map((field) => field.coordinate));
  const tree: Record<string, IRuleFieldMap> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const fields: IRuleFieldMap = {};
    for (const fieldName of Object.keys(type.getFields())) {
      const coordinate = `${type.name}.${fieldName}`;
      if (FEDERATION_ALLOWED[type.name]?.includes(fieldName)) {
        fields[fieldName] = allow;
        continue;
      }
      const classification = classifications.get(coordinate);
      if (classification) fields[fieldName] = fieldRule(classification);
      // A federation @external field (e.g. for @requires) is another subgraph's: never served here.
      else if (external.has(coordinate)) fields[fieldName] = deny;
    }
    if (Object.keys(fields).length > 0) tree[type.name] = fields;
  }
  return tree;
}

/** Coordinates of the schema's fields that fall back to deny (no classification, not a federation entry point). */
export function unguardedFields(schema: GraphQLSchema, typeDefs: DocumentNode): string[] {
  const tree = shieldRules(schema, typeDefs) as Record<string, IRuleFieldMap>;
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const fieldName of Object.keys(type.getFields())) if (!tree[type.name]?.[fieldName]) missing.push(`${type.name}.${fieldName}`);
  }
  return missing;
}

/**
 * Fields whose only classification is @authenticated, on value types (not a root type, not an
 * entity): their rule is "the caller is a verified identity", which every request that reaches
 * execution already is (identity.ts refuses the others with 401 before any GraphQL), and they
 * are reachable only through a parent field guarded by a policy. The shield's middleware is left
 * off them: the wrapper makes every such field asynchronous, which is most of the shield's cost
 * (scripts/bench-shield.ts), for a check that cannot fail. Policy and scope fields, federation's
 * entry points, entity and root fields, and unclassified fields (deny) all keep it.
 */
export function identityOnlyFields(schema: GraphQLSchema, typeDefs: DocumentNode): string[] {
  return identityOnlyCoordinates(schema, typeDefs).map(coordinateText);
}

function identityOnlyCoordinates(schema: GraphQLSchema, typeDefs: DocumentNode): FieldCoordinate[] {
  const classifications = readClassifications(typeDefs);
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((type) => type!.name));
  const entityUnion = schema.getType('_Entity');
  const entities = new Set(entityUnion && isUnionType(entityUnion) ? entityUnion.getTypes().map((type) => type.name) : []);
  const fields: FieldCoordinate[] = [];
  for (const classification of classifications.values()) {
    const coordinate = parseCoordinate(classification.coordinate);
    if (roots.has(coordinate.type) || entities.has(coordinate.type)) continue;
    if (classification.authenticated && classification.policies === null && classification.scopes === null) fields.push(coordinate);
  }
  return fields;
}

export interface ShieldOptions {
  /**
   * Keep the middleware on @authenticated-only value fields too (see identityOnlyFields). Off by
   * default; the benchmark measures both.
   */
  wrapIdentityOnlyFields?: boolean;
}

/** The schema with the shield applied (a new schema; the input is left as it is). */
export function applySubgraphShield(schema: GraphQLSchema, typeDefs: DocumentNode, options: ShieldOptions = {}): GraphQLSchema {
  const generator = shield(shieldRules(schema, typeDefs), {
    fallbackRule: deny,
    debug: false,
    allowExternalErrors: false,
    fallbackError: (thrown: unknown, _parent: object, _args: object, _context: unknown, info: GraphQLResolveInfo) => {
      // null: a rule said no (deny, or a rule that threw: graphql-shield turns that into false).
      if (thrown === null || thrown === undefined) return forbidden(`${info.parentType.name}.${info.fieldName}`, null, undefined);
      // The resolver ran (its rule allowed it) and failed: not an authorization matter.
      return thrown instanceof Error ? thrown : new Error('resolver failed');
    },
  });
  const middleware = generator.generate(schema) as Record<string, Record<string, unknown>>;
  if (!options.wrapIdentityOnlyFields) {
    for (const { type, field } of identityOnlyCoordinates(schema, typeDefs)) {
      delete middleware[type]?.[field];
    }
  }
  // The 支援措置 row rule on locating fields sits inside the shield: a field the shield refuses is
  // never checked; the mask (masked-only grants) sits next to the resolver.
  return applyMiddleware(applyLocatingRule(applyMaskRule(schema, typeDefs), typeDefs), middleware as Parameters<typeof applyMiddleware>[1]);
}
