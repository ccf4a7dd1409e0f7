import {
  Kind,
  TypeInfo,
  getEnterLeaveForKind,
  visit,
  visitInParallel,
  visitWithTypeInfo,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { FieldClassification, MaskRule, PermissionProfile } from '../../lib/authorization/types';
import type { FieldDenial } from './decision';
import { AuthorizationContext } from './rule-context';
import { AUTHORIZATION_RULES, type AuthorizationRule } from './rules';
import { fragmentSpreadNames } from './fragments';

export interface WalkInput {
  /** The API schema the operation was validated against. */
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  /** The operation to run (Apollo Server has already selected it). */
  readonly operation: OperationDefinitionNode;
  readonly profile: PermissionProfile;
  /** `Type.field` → classification, from the supergraph in force. */
  readonly classifications: ReadonlyMap<string, FieldClassification>;
  readonly rules?: readonly AuthorizationRule[];
}

export interface WalkResult {
  /** The selected operation and the fragments it uses (nodes shared with the input document). */
  readonly document: DocumentNode;
  /** Field occurrences to remove. */
  readonly deniedNodes: ReadonlySet<FieldNode>;
  readonly denied: ReadonlyMap<string, FieldDenial>;
  readonly granted: ReadonlySet<string>;
  /** Granted coordinates whose values are shown masked, with the mask. */
  readonly masked: ReadonlyMap<string, MaskRule>;
}

/**
 * Walks the operation (and each fragment it uses, once) with a TypeInfo over the API schema,
 * running the authorization rules in parallel as graphql-js runs validation rules. Under a
 * refused field nothing is walked: it is removed whole.
 */
export function walkOperation(input: WalkInput): WalkResult {
  const document = operationDocument(input.document, input.operation);
  const typeInfo = new TypeInfo(input.schema);
  const context = new AuthorizationContext(input.schema, typeInfo, input.profile, input.classifications);
  const rules = visitInParallel((input.rules ?? AUTHORIZATION_RULES).map((rule) => rule(context)));
  const fieldVisitor = getEnterLeaveForKind(rules, Kind.FIELD);
  const walker: ASTVisitor = {
    ...rules,
    [Kind.FIELD]: {
      enter(node, key, parent, path, ancestors) {
        const result = fieldVisitor.enter?.call(rules, node, key, parent, path, ancestors);
        return context.isDenied(node) ? false : result;
      },
      leave(node, key, parent, path, ancestors) {
        return fieldVisitor.leave?.call(rules, node, key, parent, path, ancestors);
      },
    },
  };
  visit(document, visitWithTypeInfo(typeInfo, walker));
  return { document, deniedNodes: context.denied(), denied: context.deniedByCoordinate(), granted: context.granted(), masked: context.masked() };
}

/** The operation and the fragments it reaches (transitively), in document order. */
export function operationDocument(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const used = new Set<string>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  while (pending.length > 0) {
    for (const name of fragmentSpreadNames(pending.pop()!)) {
      if (used.has(name)) continue;
      used.add(name);
      const fragment = fragments.get(name);
      if (fragment) pending.push(fragment.selectionSet);
    }
  }
  return {
    kind: Kind.DOCUMENT,
    definitions: document.definitions.filter(
      (definition) => definition === operation || (definition.kind === Kind.FRAGMENT_DEFINITION && used.has(definition.name.value)),
    ),
  };
}
