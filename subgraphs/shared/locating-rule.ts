/**
 * The 支援措置 row rule for locating fields (issue 10), applied to a subgraph's schema from its
 * SDL alone: every field marked `@tag(name: "locating")` (lib/authorization/locating.ts) of a
 * person under a support measure in force is refused — null plus SUPPORT_MEASURE_RESTRICTED —
 * to a caller whose profile lacks `supportMeasureRecords` (policy/policies.yaml
 * rowRules.supportMeasure). No list of fields is kept here or in a resolver: marking a new field
 * locating in the SDL is enough.
 *
 * The subgraph says how to find the person: its context carries `locating`, one check per type
 * that holds a locating field and is not enclosed (typesNeedingPerson: an Address is reached only
 * through Resident.address, which is checked first). A type without a check fails closed (an
 * internal error, never the value); test/subgraphs/shared/locating-rule.test.ts holds every subgraph's
 * checks against its SDL. Callers with the right cost nothing; for the others a check reads the
 * flag the subgraph already has or one batched loader.
 */
import { GraphQLError, type DocumentNode, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { coordinateText, type FieldCoordinate } from '../../lib/authorization/coordinate';
import { enclosedTypes, locatingCoordinates } from '../../lib/authorization/locating';
import { supportMeasureRestricted } from './errors';
import type { SubgraphAuth } from './identity';

/** Type name → whether the person the parent object belongs to is protected (支援措置 in force, for this caller's view). */
export type ProtectedPersonChecks = Readonly<Record<string, (parent: never) => boolean | Promise<boolean>>>;

/** What a subgraph context provides to the rule. */
export interface LocatingRuleContext {
  auth?: SubgraphAuth;
  locating?: ProtectedPersonChecks;
}

type Resolve = (parent: unknown, args: unknown, context: LocatingRuleContext, info: GraphQLResolveInfo) => unknown;

/** Refuses or resolves one locating field. */
async function guarded(resolve: Resolve, parent: unknown, args: unknown, context: LocatingRuleContext, info: GraphQLResolveInfo): Promise<unknown> {
  const typeName = info.parentType.name;
  const coordinate = `${typeName}.${info.fieldName}`;
  if (context.auth?.profile.supportMeasureRecords === true) return resolve(parent, args, context, info);
  const check = context.locating?.[typeName] as ((parent: unknown) => boolean | Promise<boolean>) | undefined;
  // Fail closed: a subgraph that cannot tell whose field this is does not show it.
  if (!check) throw new GraphQLError(`${coordinate}: no 支援措置 check for ${typeName}`);
  if (await check(parent)) throw supportMeasureRestricted(coordinate);
  return resolve(parent, args, context, info);
}

/** The coordinates the rule wraps: the locating fields of non-enclosed person types. */
export function guardedLocatingFields(typeDefs: DocumentNode): string[] {
  return guardedLocatingCoordinates(typeDefs).map(coordinateText);
}

function guardedLocatingCoordinates(typeDefs: DocumentNode): FieldCoordinate[] {
  const enclosed = enclosedTypes(typeDefs);
  return locatingCoordinates(typeDefs).filter((coordinate) => !enclosed.has(coordinate.type));
}

/** The schema with the row rule on every guarded locating field (a new schema). */
export function applyLocatingRule(schema: GraphQLSchema, typeDefs: DocumentNode): GraphQLSchema {
  const middleware: Record<string, Record<string, typeof guarded>> = {};
  for (const { type, field } of guardedLocatingCoordinates(typeDefs)) {
    (middleware[type] ??= {})[field] = guarded;
  }
  if (Object.keys(middleware).length === 0) return schema;
  return applyMiddleware(schema, middleware as unknown as Parameters<typeof applyMiddleware>[1]);
}

/**
 * For a subgraph that holds no support-measure data (card-progress, intermediate): the register's
 * answer, `Resident.locationWithheld`, received through `@requires` with the entity, remembered
 * per request by 宛名番号. A person the register said nothing about (e.g. reached from a root field
 * of this subgraph, not through the register) counts as withheld: fail closed.
 */
export interface RequiredLocationFlags {
  /** Remember what the register said for this person (from the entity representation). */
  note(reference: { id: string; locationWithheld?: boolean | null }): void;
  /** Whether the person's location is withheld from this caller (true when unknown). */
  withheld(residentId: string): boolean;
}

export function requiredLocationFlags(): RequiredLocationFlags {
  const flags = new Map<string, boolean>();
  return {
    note(reference) {
      if (typeof reference.locationWithheld === 'boolean') flags.set(reference.id, reference.locationWithheld);
    },
    withheld: (residentId) => flags.get(residentId) ?? true,
  };
}
