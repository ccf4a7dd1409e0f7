import {
  Kind,
  TypeInfo,
  getNamedType,
  isAbstractType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { fragmentSpreadNames } from './walk';

export interface RewriteResult {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Response key of the injected `__typename` (an alias no field of the document uses). */
  readonly typenameKey: string;
  /** Whether anything was removed or injected. */
  readonly changed: boolean;
}

/**
 * The operation the planner receives: every refused field occurrence removed; inline fragments
 * and named fragments left empty by that removed (with their spreads); a selection set left
 * empty replaced by an aliased `__typename` (so the parent still resolves, and null stays
 * distinguishable from "not found"); the same `__typename` added under every field of abstract
 * type (the response completion needs each object's runtime type); fragments and variables no
 * longer used dropped, so the document stays valid.
 *
 * `document` holds one operation and the fragments it uses (walk.ts operationDocument).
 */
export function rewriteOperation(schema: GraphQLSchema, document: DocumentNode, deniedNodes: ReadonlySet<FieldNode>): RewriteResult {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const emptied = emptiedFragments(fragments, deniedNodes);
  const typenameKey = unusedResponseKey(document, '_authzTypename');
  let changed = false;

  const typeInfo = new TypeInfo(schema);
  const rewritten = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node) {
          if (!deniedNodes.has(node)) return undefined;
          changed = true;
          return null;
        },
        leave(node) {
          // Each object of an abstract type answers its runtime type, under our own key.
          if (!node.selectionSet || !isAbstractType(getNamedType(typeInfo.getType()))) return undefined;
          if (node.selectionSet.selections.some((selection) => isInjectedTypename(selection, typenameKey))) return undefined;
          changed = true;
          return { ...node, selectionSet: withTypename(node.selectionSet, typenameKey) };
        },
      },
      InlineFragment(node) {
        if (survives(node.selectionSet, emptied, deniedNodes)) return undefined;
        changed = true;
        return null;
      },
      FragmentSpread(node) {
        if (!emptied.has(node.name.value)) return undefined;
        changed = true;
        return null;
      },
      FragmentDefinition(node) {
        return emptied.has(node.name.value) ? null : undefined;
      },
      SelectionSet: {
        leave(node) {
          if (node.selections.length > 0) return undefined;
          changed = true;
          return withTypename(node, typenameKey);
        },
      },
    }),
  );

  const cleaned = withoutUnusedDefinitions(rewritten);
  const operation = cleaned.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('the rewritten document has no operation');
  return { document: cleaned, operation, typenameKey, changed };
}

/** Fragments whose every selection is removed (transitively through spreads of such fragments). */
function emptiedFragments(fragments: ReadonlyMap<string, FragmentDefinitionNode>, deniedNodes: ReadonlySet<FieldNode>): Set<string> {
  const emptied = new Set<string>();
  // Fragments cannot form cycles in a valid document; iterate to a fixpoint instead of recursing.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, fragment] of fragments) {
      if (emptied.has(name) || survives(fragment.selectionSet, emptied, deniedNodes)) continue;
      emptied.add(name);
      grew = true;
    }
  }
  return emptied;
}

/** Whether anything of a selection set remains once refused fields and emptied fragments go. */
function survives(selectionSet: SelectionSetNode, emptied: ReadonlySet<string>, deniedNodes: ReadonlySet<FieldNode>): boolean {
  return selectionSet.selections.some((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        return !deniedNodes.has(selection);
      case Kind.INLINE_FRAGMENT:
        return survives(selection.selectionSet, emptied, deniedNodes);
      case Kind.FRAGMENT_SPREAD:
        return !emptied.has(selection.name.value);
    }
  });
}

function withTypename(selectionSet: SelectionSetNode, typenameKey: string): SelectionSetNode {
  const typename: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: typenameKey },
    name: { kind: Kind.NAME, value: '__typename' },
  };
  return { ...selectionSet, selections: [...selectionSet.selections, typename] };
}

function isInjectedTypename(selection: SelectionNode, typenameKey: string): boolean {
  return selection.kind === Kind.FIELD && selection.name.value === '__typename' && selection.alias?.value === typenameKey && !selection.directives?.length;
}

/** `base`, or `base1`, `base2` … : a response key no field of the document uses. */
function unusedResponseKey(document: DocumentNode, base: string): string {
  const used = new Set<string>();
  visit(document, {
    Field(node) {
      used.add(node.alias?.value ?? node.name.value);
    },
  });
  let candidate = base;
  for (let suffix = 1; used.has(candidate); suffix += 1) candidate = `${base}${suffix}`;
  return candidate;
}

/** Drops fragments no longer spread and variable definitions no longer used. */
function withoutUnusedDefinitions(document: DocumentNode): DocumentNode {
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return document;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const usedFragments = new Set<string>();
  const reachable: SelectionSetNode[] = [operation.selectionSet];
  for (let index = 0; index < reachable.length; index += 1) {
    for (const name of fragmentSpreadNames(reachable[index])) {
      const fragment = fragments.get(name);
      if (usedFragments.has(name) || !fragment) continue;
      usedFragments.add(name);
      reachable.push(fragment.selectionSet);
    }
  }
  const usedVariables = new Set<string>();
  for (const selectionSet of reachable) {
    visit(selectionSet, {
      Variable(node) {
        usedVariables.add(node.name.value);
      },
    });
  }
  // Variables used in the operation's own directives count too.
  for (const directive of operation.directives ?? []) {
    visit(directive, {
      Variable(node) {
        usedVariables.add(node.name.value);
      },
    });
  }
  const variableDefinitions: VariableDefinitionNode[] = (operation.variableDefinitions ?? []).filter((definition) =>
    usedVariables.has(definition.variable.name.value),
  );
  const cleanedOperation: OperationDefinitionNode =
    variableDefinitions.length === (operation.variableDefinitions ?? []).length ? operation : { ...operation, variableDefinitions };
  return {
    ...document,
    definitions: document.definitions.flatMap((definition) => {
      if (definition === operation) return [cleanedOperation];
      if (definition.kind === Kind.FRAGMENT_DEFINITION && !usedFragments.has(definition.name.value)) return [];
      return [definition];
    }),
  };
}
