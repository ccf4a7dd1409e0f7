import {
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type SelectionSetNode,
} from 'graphql';
import { UNAUTHORIZED_FIELD_CODE, type MaskRule } from '../../lib/authorization/types';
import { maskValue, stricter } from '../../lib/authorization/mask';
import type { FieldDenial, OperationDecision } from './decision';
import { INTROSPECTION_FIELDS } from './rules';

export interface CompletionInput {
  /** The API schema. */
  readonly schema: GraphQLSchema;
  /** The client's document and selected operation: the response has exactly its shape. */
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Coerced variable values (for @include / @skip). */
  readonly variableValues: Readonly<Record<string, unknown>>;
  readonly decision: Pick<OperationDecision, 'denied' | 'typenameKey' | 'personKeyKeys'> & Partial<Pick<OperationDecision, 'masked'>>;
  /** What the planner answered for the rewritten operation. */
  readonly data: Record<string, unknown> | null | undefined;
}

export interface DeniedOccurrence {
  readonly denial: FieldDenial;
  /** Response path of the first occurrence (response keys and list indices). */
  readonly path: readonly (string | number)[];
  /** How many response positions (list elements) this field was refused at under the same path shape. */
  readonly occurrences: number;
  readonly nodes: readonly FieldNode[];
}

export interface CompletionResult {
  readonly data: Record<string, unknown> | null;
  /** One per refused field and path shape, in response order. */
  readonly errors: GraphQLError[];
  readonly denied: readonly DeniedOccurrence[];
  /**
   * Keys (宛名番号) of the persons at least one of whose fields the response carries, read from
   * the keys the rewrite injected (decision.personKeyKeys; empty without them). A person object
   * whose every requested field was refused is not counted.
   */
  readonly personIds: readonly string[];
}

/** A masked field's value: every string in it masked (a list of them element by element); anything else hidden. */
function masked(value: unknown, mask: MaskRule): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return maskValue(value, mask);
  if (Array.isArray(value)) return value.map((item) => masked(item, mask));
  // Not text (the walk grants masked only String fields): fail closed.
  return null;
}

/** A non-null position came out null: its parent must be null (GraphQL's null propagation). */
const BUBBLE = Symbol('null propagates to the parent');
type Completed = unknown;

/**
 * Builds the response the client's ORIGINAL operation asks for from what the planner answered
 * for the rewritten one: every refused field the client asked for (after @include/@skip with
 * the request's variables, under its alias, in every list element) is `null`, and a refused
 * non-null field makes its nearest nullable ancestor null, as GraphQL requires. Keys the
 * rewrite injected are never copied (only the client's own selections are), so the response
 * carries nothing the client did not ask for.
 *
 * Errors: one per refused field per path shape, i.e. a field refused in every element of a
 * list gives ONE error with the first element's path and `extensions.occurrences` (the number
 * of elements) rather than one error per element; a field refused at one position has no
 * `occurrences`. The value is never in an error.
 */
export function completeResponse(input: CompletionInput): CompletionResult {
  const completion = new Completion(input);
  const rootType = input.schema.getRootType(input.operation.operation);
  if (!rootType || input.data === null || input.data === undefined) return { data: input.data ?? null, errors: [], denied: [], personIds: [] };
  const data = completion.completeObject(rootType, [{ selectionSet: input.operation.selectionSet, staticType: rootType }], input.data, []);
  return {
    data: data === BUBBLE ? null : (data as Record<string, unknown>),
    errors: completion.errors(),
    denied: completion.deniedOccurrences(),
    // A person whose object was nulled by propagation still had its fields read: counted (over-report, never under-report).
    personIds: completion.personIds(),
  };
}

interface ScopedSelectionSet {
  readonly selectionSet: SelectionSetNode;
  /** The type the selections are written against (what TypeInfo calls the parent type). */
  readonly staticType: GraphQLCompositeType;
}

interface CollectedField {
  readonly nodes: FieldNode[];
  readonly staticTypes: GraphQLCompositeType[];
}

interface MutableOccurrence {
  denial: FieldDenial;
  path: (string | number)[];
  occurrences: number;
  nodes: FieldNode[];
}

class Completion {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly occurrences = new Map<string, MutableOccurrence>();
  private readonly persons = new Set<string>();
  /**
   * Field nodes of a merged field → runtime type → its collected sub-fields. A WeakMap on purpose:
   * a memo keyed by the identity of graphql-js's node arrays (as graphql-js's own memoize3), within
   * one completion; not a channel between steps.
   */
  private readonly collected = new WeakMap<object, Map<GraphQLCompositeType, Map<string, CollectedField>>>();

  constructor(private readonly input: CompletionInput) {
    for (const definition of input.document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  errors(): GraphQLError[] {
    return [...this.occurrences.values()].map(
      ({ denial, path, occurrences, nodes }) =>
        new GraphQLError(`Unauthorized field ${denial.coordinate}: ${denial.reason}`, {
          nodes,
          path,
          extensions: {
            code: UNAUTHORIZED_FIELD_CODE,
            coordinate: denial.coordinate,
            policy: denial.policy,
            reason: denial.reason,
            ...(occurrences > 1 ? { occurrences } : {}),
          },
        }),
    );
  }

  deniedOccurrences(): DeniedOccurrence[] {
    return [...this.occurrences.values()];
  }

  personIds(): string[] {
    return [...this.persons];
  }

  /** Records the person an object names (itself, or through a `via` field) when a field of it was returned. */
  private recordPerson(runtimeType: GraphQLCompositeType, data: Record<string, unknown>): void {
    const keys = this.input.decision.personKeyKeys;
    if (!keys) return;
    const add = (id: unknown) => {
      if (typeof id === 'string' || typeof id === 'number') this.persons.add(String(id));
    };
    if (runtimeType.name === keys.keys.type) add(data[keys.id]);
    else if (keys.keys.via[runtimeType.name] !== undefined) {
      // The injected `via` field, or the client's own one (then not injected): one person or a list of them.
      const via = keys.keys.via[runtimeType.name];
      const persons = data[keys.via] ?? data[via];
      const reference = keys.keys.references[runtimeType.name];
      const seal = keys.keys.sealReference;
      // Named by the reference the rewrite injected (no `via` hop fetched): resolved after the response (gateway/audit/attribution.ts).
      if (reference !== undefined && seal && typeof data[keys.reference] === 'string') this.persons.add(seal(reference, data[keys.reference] as string));
      for (const person of Array.isArray(persons) ? persons : [persons]) {
        if (typeof person === 'object' && person !== null) add((person as Record<string, unknown>)[keys.id]);
      }
    }
  }

  /** The object, or BUBBLE when a non-null field of it came out null. */
  completeObject(
    runtimeType: GraphQLCompositeType,
    scoped: readonly ScopedSelectionSet[],
    data: Record<string, unknown>,
    path: readonly (string | number)[],
    memoKey?: object,
  ): Completed {
    const fields = this.collectFields(runtimeType, scoped, memoKey);
    const result: Record<string, unknown> = {};
    let bubbles = false;
    let returned = false;
    for (const [responseKey, { nodes, staticTypes }] of fields) {
      const fieldName = nodes[0].name.value;
      const fieldPath = [...path, responseKey];
      if (fieldName === '__typename') {
        result[responseKey] = data[responseKey] ?? runtimeType.name;
        continue;
      }
      const fieldDef = this.fieldDefinition(runtimeType, fieldName);
      const denial = this.denialOf(nodes, staticTypes);
      if (denial) {
        this.recordDenial(denial, fieldPath, nodes);
        if (fieldDef && isNonNullType(fieldDef.type)) bubbles = true;
        result[responseKey] = null;
        continue;
      }
      if (!fieldDef) continue; // not in the schema: validation refused it already
      returned = true;
      if (INTROSPECTION_FIELDS.has(fieldName)) {
        // Answered by the gateway from the API schema, already in its final shape.
        result[responseKey] = data[responseKey] ?? null;
        continue;
      }
      const mask = this.maskOf(nodes, staticTypes, runtimeType);
      const value = this.completeValue(fieldDef.type, nodes, mask ? masked(data[responseKey], mask) : data[responseKey], fieldPath);
      if (value === BUBBLE) {
        bubbles = true;
        result[responseKey] = null;
      } else {
        result[responseKey] = value;
      }
    }
    if (returned) this.recordPerson(runtimeType, data);
    return bubbles ? BUBBLE : result;
  }

  private completeValue(type: GraphQLOutputType, nodes: readonly FieldNode[], value: unknown, path: readonly (string | number)[]): Completed {
    if (isNonNullType(type)) {
      const completed = this.completeValue(type.ofType, nodes, value, path);
      return completed === null || completed === BUBBLE ? BUBBLE : completed;
    }
    if (value === null || value === undefined) return null;
    if (isListType(type)) {
      if (!Array.isArray(value)) return null;
      const items = value.map((item, index) => this.completeValue(type.ofType, nodes, item, [...path, index]));
      return items.includes(BUBBLE) ? null : items;
    }
    if (isLeafType(type)) return value;
    if (typeof value !== 'object') return null;
    const object = value as Record<string, unknown>;
    const runtimeType = this.runtimeType(type, object);
    const scoped: ScopedSelectionSet[] = [];
    const staticType = getNamedType(type) as GraphQLCompositeType;
    for (const node of nodes) if (node.selectionSet) scoped.push({ selectionSet: node.selectionSet, staticType });
    const completed = this.completeObject(runtimeType, scoped, object, path, nodes);
    return completed === BUBBLE ? null : completed;
  }

  /** The object's concrete type: the field's type, or for an abstract type the injected `__typename`. */
  private runtimeType(type: GraphQLOutputType, object: Record<string, unknown>): GraphQLCompositeType {
    const named = getNamedType(getNullableType(type)) as GraphQLCompositeType;
    if (!isAbstractType(named)) return named;
    const typename = object[this.input.decision.typenameKey];
    const concrete = typeof typename === 'string' ? this.input.schema.getType(typename) : undefined;
    // Unknown: only selections written against the abstract type itself apply (fail closed).
    return concrete && isObjectType(concrete) && this.input.schema.isSubType(named, concrete) ? concrete : named;
  }

  private fieldDefinition(type: GraphQLCompositeType, fieldName: string): GraphQLField<unknown, unknown> | undefined {
    if (fieldName === '__schema' || fieldName === '__type') {
      if (type !== this.input.schema.getQueryType()) return undefined;
      return fieldName === '__schema' ? SchemaMetaFieldDef : TypeMetaFieldDef;
    }
    return 'getFields' in type ? type.getFields()[fieldName] : undefined;
  }

  /** Refused when any occurrence's coordinate is refused (fail closed on a mixed merge). */
  private denialOf(nodes: readonly FieldNode[], staticTypes: readonly GraphQLCompositeType[]): FieldDenial | undefined {
    for (let index = 0; index < nodes.length; index += 1) {
      const denial = this.input.decision.denied.get(`${staticTypes[index].name}.${nodes[index].name.value}`);
      if (denial) return denial;
    }
    return undefined;
  }

  /** The mask of a granted field (the strictest over its occurrences' coordinates), or undefined. */
  private maskOf(nodes: readonly FieldNode[], staticTypes: readonly GraphQLCompositeType[], runtimeType: GraphQLCompositeType): MaskRule | undefined {
    const masks = this.input.decision.masked;
    if (!masks || masks.size === 0) return undefined;
    let found: MaskRule | undefined;
    for (let index = 0; index < nodes.length; index += 1) {
      for (const type of [staticTypes[index], runtimeType]) {
        const mask = masks.get(`${type.name}.${nodes[index].name.value}`);
        if (mask) found = found ? stricter(found, mask) : mask;
      }
    }
    return found;
  }

  private recordDenial(denial: FieldDenial, path: (string | number)[], nodes: FieldNode[]): void {
    const shape = `${denial.coordinate}@${path.map((segment) => (typeof segment === 'number' ? '[]' : segment)).join('.')}`;
    const existing = this.occurrences.get(shape);
    if (existing) existing.occurrences += 1;
    else this.occurrences.set(shape, { denial, path, occurrences: 1, nodes });
  }

  /**
   * graphql-js's CollectFields, remembering the type each field node is written against. The
   * same selections are collected once per runtime type: every element of a list (and every
   * object reached through the same merged field nodes) shares the result, as graphql-js's
   * executor memoises its sub-field collection.
   */
  private collectFields(runtimeType: GraphQLCompositeType, scoped: readonly ScopedSelectionSet[], memoKey?: object): Map<string, CollectedField> {
    if (memoKey === undefined) return this.collectFieldsOnce(runtimeType, scoped);
    let byType = this.collected.get(memoKey);
    if (!byType) this.collected.set(memoKey, (byType = new Map()));
    let fields = byType.get(runtimeType);
    if (!fields) byType.set(runtimeType, (fields = this.collectFieldsOnce(runtimeType, scoped)));
    return fields;
  }

  private collectFieldsOnce(runtimeType: GraphQLCompositeType, scoped: readonly ScopedSelectionSet[]): Map<string, CollectedField> {
    const fields = new Map<string, CollectedField>();
    const visitedFragments = new Set<string>();
    const collect = (selectionSet: SelectionSetNode, staticType: GraphQLCompositeType): void => {
      for (const selection of selectionSet.selections) {
        if (!this.shouldInclude(selection)) continue;
        switch (selection.kind) {
          case Kind.FIELD: {
            const key = selection.alias?.value ?? selection.name.value;
            const entry = fields.get(key) ?? { nodes: [], staticTypes: [] };
            entry.nodes.push(selection);
            entry.staticTypes.push(staticType);
            fields.set(key, entry);
            break;
          }
          case Kind.INLINE_FRAGMENT: {
            const condition = selection.typeCondition ? this.compositeType(selection.typeCondition.name.value) : staticType;
            if (condition && this.applies(condition, runtimeType)) collect(selection.selectionSet, condition);
            break;
          }
          case Kind.FRAGMENT_SPREAD: {
            const name = selection.name.value;
            if (visitedFragments.has(name)) break;
            visitedFragments.add(name);
            const fragment = this.fragments.get(name);
            const condition = fragment ? this.compositeType(fragment.typeCondition.name.value) : undefined;
            if (fragment && condition && this.applies(condition, runtimeType)) collect(fragment.selectionSet, condition);
            break;
          }
        }
      }
    };
    for (const { selectionSet, staticType } of scoped) collect(selectionSet, staticType);
    return fields;
  }

  private compositeType(name: string): GraphQLCompositeType | undefined {
    const type = this.input.schema.getType(name);
    return type && isCompositeType(type) ? type : undefined;
  }

  private applies(condition: GraphQLCompositeType, runtimeType: GraphQLCompositeType): boolean {
    if (condition === runtimeType) return true;
    return isAbstractType(condition) && isObjectType(runtimeType) && this.input.schema.isSubType(condition, runtimeType);
  }

  private shouldInclude(node: { readonly directives?: readonly DirectiveNode[] }): boolean {
    const variables = this.input.variableValues as Record<string, unknown>;
    const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
    if (skip?.['if'] === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
    return include?.['if'] !== false;
  }
}
