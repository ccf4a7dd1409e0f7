import { GraphQLString, getNamedType, isAbstractType, isIntrospectionType, type ASTVisitor, type GraphQLCompositeType, type GraphQLSchema } from 'graphql';
import { denialText, requirementReason } from '../../../lib/authorization/denial';
import { fieldMask, satisfies } from '../../../lib/authorization/profile';
import { stricter } from '../../../lib/authorization/mask';
import type { FieldClassification, MaskRule, PermissionProfile } from '../../../lib/authorization/types';
import type { FieldDenial } from '../decision';
import type { AuthorizationContext } from '../rule-context';

/**
 * Every field is decided by its coordinate `Type.field` against the classification the
 * supergraph gives it (@authenticated / @requiresScopes / @policy) and the caller's profile.
 * However the field is reached (alias, named or inline fragment, nested list, another
 * subgraph's extension of an entity) it is the same coordinate, so the same decision.
 * A field without a classification is refused (deny by default). Meta fields (`__typename`,
 * and introspection with everything under it, which has its own rule) are not decided here.
 */
export function FieldClassificationRule(context: AuthorizationContext): ASTVisitor {
  return {
    Field(node) {
      const fieldName = node.name.value;
      if (fieldName.startsWith('__')) return;
      const parentType = context.typeInfo.getParentType();
      // Inside __schema / __type: the introspection rule decided the whole subtree.
      if (parentType && isIntrospectionType(parentType)) return;
      const denial = parentType
        ? decideField(context.schema, parentType, fieldName, context.classifications, context.profile)
        : { coordinate: `?.${fieldName}`, policy: 'unclassified', reason: `the field ${fieldName} is not in the schema` };
      if (denial) {
        context.deny(node, denial);
        return;
      }
      const coordinate = `${parentType!.name}.${fieldName}`;
      const mask = maskOfField(context.schema, parentType!, fieldName, context.classifications, context.profile);
      if (mask === null) {
        context.grant(coordinate);
        return;
      }
      // A masked grant shows a text with most of it starred. A field whose value is not text (an
      // object, a lookup BY the number) has no masked form: refused, never shown in full.
      const field = 'getFields' in parentType! ? parentType.getFields()[fieldName] : undefined;
      if (!field || getNamedType(field.type) !== GraphQLString) {
        const policy = maskedPolicy(context.classifications.get(coordinate), context.profile) ?? 'masked';
        context.deny(node, { coordinate, policy, reason: `${policy} is granted masked only (mask "${mask.name}"), and ${coordinate} has no masked form` });
        return;
      }
      context.grantMasked(coordinate, mask);
    },
  };
}

/** The mask a granted field is shown with (null: in full); on an abstract type, the strictest over its possible types. */
export function maskOfField(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  fieldName: string,
  classifications: ReadonlyMap<string, FieldClassification>,
  profile: PermissionProfile,
): MaskRule | null {
  const coordinates = [`${parentType.name}.${fieldName}`, ...(isAbstractType(parentType) ? schema.getPossibleTypes(parentType).map((possible) => `${possible.name}.${fieldName}`) : [])];
  let mask: MaskRule | null = null;
  for (const coordinate of coordinates) {
    const own = fieldMask(profile, classifications.get(coordinate)?.policies ?? null);
    if (own) mask = mask ? stricter(mask, own) : own;
  }
  return mask;
}

function maskedPolicy(classification: FieldClassification | undefined, profile: PermissionProfile): string | undefined {
  return (classification?.policies ?? []).flat().find((policy) => profile.masked.has(policy));
}

/**
 * The decision for `parentType.fieldName`. On an interface or union the field is allowed only
 * when the abstract coordinate and every possible type's coordinate are allowed, so a
 * differently classified implementation cannot be read through its interface.
 */
export function decideField(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  fieldName: string,
  classifications: ReadonlyMap<string, FieldClassification>,
  profile: PermissionProfile,
): FieldDenial | null {
  const coordinate = `${parentType.name}.${fieldName}`;
  const own = decideCoordinate(coordinate, classifications, profile);
  if (own || !isAbstractType(parentType)) return own;
  for (const possible of schema.getPossibleTypes(parentType)) {
    const denial = decideCoordinate(`${possible.name}.${fieldName}`, classifications, profile);
    if (denial) return { ...denial, coordinate };
  }
  return null;
}

function decideCoordinate(coordinate: string, classifications: ReadonlyMap<string, FieldClassification>, profile: PermissionProfile): FieldDenial | null {
  const classification = classifications.get(coordinate);
  if (classification === undefined) {
    return { coordinate, policy: denialText({ kind: 'unclassified' }), reason: `${coordinate} has no classification in the supergraph (deny by default)` };
  }
  const verdict = satisfies(profile, classification.policies, classification.scopes);
  if (verdict.ok) return null;
  return { coordinate, policy: denialText(verdict.deniedBy), reason: requirementReason(verdict.deniedBy, profile.denials) };
}
