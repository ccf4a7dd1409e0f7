import {
  BREAK,
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
import { fragmentSpreadNames } from './fragments';

export interface RewriteResult {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Response key of the injected `__typename` (an alias no field of the document uses). */
  readonly typenameKey: string;
  /** Whether anything was removed or injected. */
  readonly changed: boolean;
  /** Response keys of the injected person keys (only when `personKeys` was given). */
  readonly personKeyKeys?: PersonKeyKeys;
  /** The field nodes the rewrite added (person keys, `__typename`): what the answer must not show. */
  readonly injected: ReadonlySet<FieldNode>;
}

/**
 * The key field the audit trail needs of every person in a response, fetched even when the
 * client did not ask for it (and never returned to it): `Resident.id` (宛名番号) under every
 * selection of type Resident, and for types that name a person through a field (IdentityInfo
 * → resident) that field's key as well.
 */
export interface PersonKeys {
  /** The person type and its key field. */
  readonly type: string;
  readonly field: string;
  /** Type → field of the person type that names its person (`IdentityInfo: 'resident'`). */
  readonly via: Readonly<Record<string, string>>; // the field may be a list (Household.members)
  /**
   * Coordinates whose object is the enclosing person's own (`Resident.identityInfo`: juki-cs
   * resolves it by that Resident's 住民票コード): the person is the parent, whose key is fetched
   * anyway, so no `via` hop is injected there. The hop is a further sequential subgraph fetch
   * (juki-cs → residents) per operation; it stays where nothing else names the person
   * (`searchIdentity`, `identityByResidentCode`, …).
   */
  readonly ownedByParent: ReadonlySet<string>;
  /**
   * Types whose objects name their person by a field of their own subgraph (`IdentityInfo:
   * 'residentCode'`, the 住民票コード the CS holds). Where the client does not select the `via`
   * field itself, the rewrite asks for this field instead of the `via` hop: the answer needs no
   * further subgraph fetch, the trail records the reference (lib/audit/person-references.ts), and
   * the gateway resolves it to the 宛名番号 after the response, in a linked record
   * (gateway/audit/attribution.ts). Used only with `sealReference`.
   */
  readonly references: Readonly<Record<string, string>>;
  /**
   * How a reference is named wherever persons are kept (the trail, the bulk-output ledger, shadow
   * runs): sealed under the gateways' key (lib/audit/person-references.ts), never the code itself.
   * Without it the `via` hop names those persons, as before references.
   */
  readonly sealReference?: (field: string, value: string) => string;
}

/**
 * Every type whose objects carry a person's data names its person(s): 本人確認情報 and 情報連携
 * records through their `resident`, a page's edge through its `node` (the cursor alone is one
 * person), a household through its `members` (its 世帯番号 is theirs). A schema-driven test
 * (test/e2e/person-attribution.test.ts) fails when a root field reaches person data unnamed.
 */
export const RESIDENT_PERSON_KEYS: PersonKeys = {
  type: 'Resident',
  field: 'id',
  via: { IdentityInfo: 'resident', InformationLinkage: 'resident', ResidentEdge: 'node', Household: 'members' },
  ownedByParent: new Set(['Resident.identityInfo', 'Resident.informationLinkage', 'Resident.household']),
  references: { IdentityInfo: 'residentCode' },
};

/**
 * Response keys the rewrite used for the injected person keys.
 *
 * The person key goes in under its own name (`id`), merged with the client's own `id` where the
 * client asked for it, NOT under an alias: @apollo/query-planner (2.14) recognises a key field
 * only by its exact selection, alias included (`filterNonCollectingPathsForField` →
 * `SelectionSet.containsTopLevelField` → `Field.equals`, which compares aliases). An aliased
 * `_auditId: id` on a `Resident` reached in a subgraph that lacks `id` (juki-cs: `IdentityInfo.resident`)
 * is therefore planned through every subgraph that has `@key(fields: "id")` (residents,
 * card-progress, intermediate): three options per occurrence, and the planner evaluates the
 * product of the options of all leaves (3^30 for 5 × 6 hops, cut at its `maxEvaluatedPlans`).
 * Only when the client itself uses the response key `id` for something else in a `Resident`
 * selection (`id: residentCode`) does the rewrite fall back to an alias (`_auditId`), and the
 * planning budget (planning-budget.ts) bounds what that costs.
 */
export interface PersonKeyKeys {
  readonly keys: PersonKeys;
  /** Response key of the person key under every person object: `id`, or `_auditId` when the client uses `id` otherwise. */
  readonly id: string;
  /** `_auditPerson: resident { id }` under every object of a `via` type (unless the client selects `resident` itself). */
  readonly via: string;
  /**
   * `_auditReference: residentCode` under every object of a `references` type whose `via` field
   * the client does not select. Always under this alias, never merged with the client's own
   * `residentCode` (a scalar of the same fetch, so it costs nothing): its presence in the answer
   * then says the person was not named otherwise — not where the object is its parent's own
   * (`Resident.identityInfo`: the parent's key names it).
   */
  readonly reference: string;
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
export function rewriteOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  deniedNodes: ReadonlySet<FieldNode>,
  personKeys?: PersonKeys,
): RewriteResult {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const emptied = emptiedFragments(fragments, deniedNodes);
  const typenameKey = unusedResponseKey(document, '_authzTypename');
  const personKeyKeys: PersonKeyKeys | undefined = personKeys
    ? {
        keys: personKeys,
        id: responseKeyTaken(schema, document, personKeys) ? unusedResponseKey(document, '_auditId') : personKeys.field,
        via: unusedResponseKey(document, '_auditPerson'),
        reference: unusedResponseKey(document, '_auditReference'),
      }
    : undefined;
  const injected = new Set<FieldNode>();
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
          if (!node.selectionSet) return undefined;
          const named = getNamedType(typeInfo.getType());
          const parent = typeInfo.getParentType();
          if (personKeyKeys && named && !personKeyKeys.keys.ownedByParent.has(`${parent?.name}.${node.name.value}`)) {
            // The audit trail's key of every person whose fields the response may carry.
            const withKey = withPersonKey(node.selectionSet, named.name, personKeyKeys, injected);
            if (withKey !== node.selectionSet) {
              changed = true;
              return { ...node, selectionSet: isAbstractType(named) ? withTypename(withKey, typenameKey, injected) : withKey };
            }
          }
          // Each object of an abstract type answers its runtime type, under our own key.
          if (!isAbstractType(named)) return undefined;
          if (node.selectionSet.selections.some((selection) => isInjectedTypename(selection, typenameKey))) return undefined;
          changed = true;
          return { ...node, selectionSet: withTypename(node.selectionSet, typenameKey, injected) };
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
          return withTypename(node, typenameKey, injected);
        },
      },
    }),
  );

  const cleaned = withoutUnusedDefinitions(rewritten);
  const operation = cleaned.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('the rewritten document has no operation');
  return { document: cleaned, operation, typenameKey, changed, injected, ...(personKeyKeys ? { personKeyKeys } : {}) };
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

function withTypename(selectionSet: SelectionSetNode, typenameKey: string, injected: Set<FieldNode>): SelectionSetNode {
  return { ...selectionSet, selections: [...selectionSet.selections, injectedField(injected, typenameKey, '__typename')] };
}

/** A field the rewrite adds (under `responseKey`: an alias unless it is the field's own name), remembered in `injected`. */
function injectedField(injected: Set<FieldNode>, responseKey: string, name: string, selectionSet?: SelectionSetNode): FieldNode {
  const field: FieldNode = {
    kind: Kind.FIELD,
    ...(responseKey === name ? {} : { alias: { kind: Kind.NAME, value: responseKey } }),
    name: { kind: Kind.NAME, value: name },
    ...(selectionSet ? { selectionSet } : {}),
  };
  injected.add(field);
  return field;
}

/**
 * The selection set with the person key (or the `via` field's person key) added; unchanged when
 * the type names no person, or when the client's own selection already is the key (`id`, no
 * alias, no directive: the planner then sees one field, exactly as without the audit).
 */
function withPersonKey(selectionSet: SelectionSetNode, typeName: string, keys: PersonKeyKeys, injected: Set<FieldNode>): SelectionSetNode {
  if (typeName === keys.keys.type) {
    if (selectionSet.selections.some((selection) => isPlainField(selection, keys.id, keys.keys.field))) return selectionSet;
    return { ...selectionSet, selections: [...selectionSet.selections, injectedField(injected, keys.id, keys.keys.field)] };
  }
  const via = keys.keys.via[typeName];
  if (via === undefined) return selectionSet;
  // The client's own `resident { … }` (or `node`, `members`) is a person selection: its key goes in there.
  if (selectionSet.selections.some((selection) => isPlainField(selection, via, via))) return selectionSet;
  const reference = keys.keys.references[typeName];
  if (reference !== undefined) {
    // The person's reference in this object's own subgraph: no further fetch.
    return { ...selectionSet, selections: [...selectionSet.selections, injectedField(injected, keys.reference, reference)] };
  }
  const person: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [injectedField(injected, keys.id, keys.keys.field)] };
  return { ...selectionSet, selections: [...selectionSet.selections, injectedField(injected, keys.via, via, person)] };
}

/** `name` under the response key `responseKey`, without arguments or directives. */
function isPlainField(selection: SelectionNode, responseKey: string, name: string): boolean {
  return (
    selection.kind === Kind.FIELD &&
    selection.name.value === name &&
    (selection.alias?.value ?? name) === responseKey &&
    !selection.directives?.length &&
    !selection.arguments?.length
  );
}

/**
 * Whether the client uses the key's own name (`id`) as the response key of another field in a
 * selection of the person type (`id: residentCode`): the key must then go in under an alias.
 */
function responseKeyTaken(schema: GraphQLSchema, document: DocumentNode, keys: PersonKeys): boolean {
  let taken = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (typeInfo.getParentType()?.name !== keys.type) return undefined;
        if ((node.alias?.value ?? node.name.value) === keys.field && node.name.value !== keys.field) {
          taken = true;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  return taken;
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
