import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getNamedType,
  isCompositeType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { PersonKeyKeys } from './rewrite';

/**
 * Where, in the planner's answer to the rewritten operation, the injected keys are: one node per
 * response key of the merged response tree. The person key now goes in under its own name (`id`,
 * see rewrite.ts), so a key's name no longer says whether the client asked for it; the rewrite
 * knows, and writes it down here once per decision.
 */
export interface StripNode {
  /** Response keys at this level that only the rewrite asked for: removed from the answer. */
  readonly remove: readonly string[];
  /** Response key holding the person key (宛名番号) of the objects at this level (person type only). */
  readonly personKey?: string;
  /** Objects at this level may name their person by a reference the rewrite injected (rewrite.ts `references`). */
  readonly personReference?: PersonReferenceKeys;
  /** Sub-trees that hold something to remove or a person, by response key. */
  readonly children: ReadonlyMap<string, StripNode>;
}

export interface PersonReferenceKeys {
  /** Response key of the injected reference (`_auditReference`), and the field it is (`residentCode`). */
  readonly key: string;
  readonly field: string;
  /** How the person is named (PersonKeys.sealReference). */
  readonly seal: (field: string, value: string) => string;
}

interface MutableNode {
  /** Response key → whether every occurrence was injected, whether a client occurrence is conditional. */
  readonly occurrences: Map<string, { injectedOnly: boolean; conditional: boolean; injected: boolean }>;
  personKey?: string;
  personReference?: PersonReferenceKeys;
  readonly children: Map<string, MutableNode>;
}

/**
 * The strip plan of a rewritten operation, or `undefined` when the answer's shape depends on the
 * request's variables: an injected key that coincides with a client field under `@skip`/`@include`
 * (or inside a fragment that has one) is in the answer whatever the variables, and only the full
 * completion (complete.ts), which applies them, knows whether the client gets it.
 */
export function stripPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  injected: ReadonlySet<FieldNode>,
  personKeyKeys: PersonKeyKeys | undefined,
): StripNode | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return undefined;
  const root = newNode();

  const collect = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, node: MutableNode, conditional: boolean): void => {
    for (const selection of selectionSet.selections) {
      const guarded = conditional || (selection.directives?.length ?? 0) > 0;
      switch (selection.kind) {
        case Kind.FIELD: {
          const key = selection.alias?.value ?? selection.name.value;
          const isInjected = injected.has(selection);
          const seen = node.occurrences.get(key) ?? { injectedOnly: true, conditional: false, injected: false };
          seen.injectedOnly &&= isInjected;
          seen.injected ||= isInjected;
          seen.conditional ||= !isInjected && guarded;
          node.occurrences.set(key, seen);
          if (!selection.selectionSet) break;
          const fieldType = fieldDefinition(schema, parentType, selection.name.value)?.type;
          const named = fieldType ? getNamedType(fieldType) : undefined;
          if (!named || !isCompositeType(named)) break;
          let child = node.children.get(key);
          if (!child) node.children.set(key, (child = newNode()));
          if (personKeyKeys && named.name === personKeyKeys.keys.type) child.personKey = personKeyKeys.id;
          const reference = personKeyKeys?.keys.references[named.name];
          const seal = personKeyKeys?.keys.sealReference;
          if (personKeyKeys && reference !== undefined && seal) child.personReference = { key: personKeyKeys.reference, field: reference, seal };
          collect(selection.selectionSet, named, child, false);
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
          if (condition && isCompositeType(condition)) collect(selection.selectionSet, condition, node, guarded);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          const condition = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          if (fragment && condition && isCompositeType(condition)) collect(fragment.selectionSet, condition, node, guarded);
          break;
        }
      }
    }
  };
  collect(operation.selectionSet, rootType, root, false);
  return freeze(root);
}

function newNode(): MutableNode {
  return { occurrences: new Map(), children: new Map() };
}

/** The immutable plan, without the branches that hold nothing to do; undefined when variables decide. */
function freeze(node: MutableNode): StripNode | undefined {
  const remove: string[] = [];
  for (const [key, { injectedOnly, conditional, injected }] of node.occurrences) {
    if (injected && conditional) return undefined;
    if (injectedOnly) remove.push(key);
  }
  const children = new Map<string, StripNode>();
  for (const [key, child] of node.children) {
    const frozen = freeze(child);
    if (!frozen) return undefined;
    if (frozen.remove.length > 0 || frozen.personKey !== undefined || frozen.personReference !== undefined || frozen.children.size > 0) children.set(key, frozen);
  }
  return {
    remove,
    ...(node.personKey !== undefined ? { personKey: node.personKey } : {}),
    ...(node.personReference !== undefined ? { personReference: node.personReference } : {}),
    children,
  };
}

function fieldDefinition(schema: GraphQLSchema, type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__schema') return SchemaMetaFieldDef;
  if (name === '__type') return TypeMetaFieldDef;
  return 'getFields' in type ? type.getFields()[name] : undefined;
}

/** Whether an error's response path runs through a key only the rewrite asked for (an error the client must not see). */
export function pathThroughInjected(plan: StripNode, path: readonly (string | number)[]): boolean {
  let node: StripNode | undefined = plan;
  for (const segment of path) {
    if (typeof segment === 'number') continue;
    if (!node) return false;
    if (node.remove.includes(segment)) return true;
    node = node.children.get(segment);
  }
  return false;
}
