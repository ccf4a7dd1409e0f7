/**
 * Static cost of an operation before planning (demand control, as Apollo Router's and Hive
 * Router's estimators do it with the IBM/GraphQL @cost and @listSize directives):
 *
 * - an object (or interface, union) costs 1, a scalar or enum 0; `@cost(weight:)` on the field, or
 *   else on its type, replaces that; a mutation's root field costs 10;
 * - a list multiplies its element's cost (weight + selections) by its size: the largest slicing
 *   argument given (`first: 1000`, a variable, or the argument's default), else `@listSize`'s
 *   `assumedSize`, else `defaultListSize`; `sizedFields` (a connection's `edges`) carry the
 *   slicing argument's size to the fields of the object the field returns.
 *
 * The walk is linear in the document: each (fragment, sized fields) is measured once and reused
 * at every spread, so nested spreads cost nothing more to estimate. It over-estimates rather than
 * under: both sides of @skip/@include and every inline fragment are counted.
 */
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CostModel } from './cost-model';

/** The size of a list nothing says anything about. */
export const DEFAULT_LIST_SIZE = 10;
const MUTATION_ROOT_WEIGHT = 10;
/** Estimates are capped here (beyond any budget) so that they stay exact integers in JSON. */
export const MAX_ESTIMATE = Number.MAX_SAFE_INTEGER;

export interface CostEstimate {
  readonly cost: number;
  /** Variables whose values sized a list: the estimate depends on them and on nothing else of the variables. */
  readonly sizingVariables: readonly string[];
}

export interface EstimateInput {
  readonly schema: GraphQLSchema;
  readonly model: CostModel;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly defaultListSize?: number;
}

type SizedFields = ReadonlyMap<string, number>;
const NONE: SizedFields = new Map();

export function estimateCost(input: EstimateInput): CostEstimate {
  const { schema, model, operation, variables } = input;
  const defaultListSize = input.defaultListSize ?? DEFAULT_LIST_SIZE;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of input.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const sizingVariables = new Set<string>();
  const fragmentCosts = new Map<string, number>();
  const inProgress = new Set<string>();

  const sizeOf = (parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, node: FieldNode): { size: number; sized: SizedFields } => {
    const listSize = model.listSizes.get(`${parent.name}.${field.name}`);
    let sliced: number | null = null;
    if (listSize && listSize.slicingArguments.length > 0) {
      for (const argument of node.arguments ?? []) {
        if (listSize.slicingArguments.includes(argument.name.value) && argument.value.kind === Kind.VARIABLE) sizingVariables.add(argument.value.name.value);
      }
      let values: Record<string, unknown> = {};
      try {
        values = getArgumentValues(field, node, variables as Record<string, unknown>);
      } catch {
        // An invalid argument fails the operation anyway; estimate with the assumed size.
      }
      for (const name of listSize.slicingArguments) {
        const value = values[name];
        if (typeof value === 'number' && Number.isFinite(value)) sliced = Math.max(sliced ?? 0, Math.max(0, Math.trunc(value)));
      }
    }
    const size = sliced ?? listSize?.assumedSize ?? defaultListSize;
    if (listSize && listSize.sizedFields.length > 0) return { size: 1, sized: new Map(listSize.sizedFields.map((name) => [name, size])) };
    return { size, sized: NONE };
  };

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, sized: SizedFields, root: 'mutation' | 'other'): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, sized, root);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += selectionCost(selection.selectionSet, type, sized, root);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) continue; // refused by validation before this runs
        const type = schema.getType(fragment.typeCondition.name.value);
        if (!type || !isCompositeType(type)) continue;
        const key = `${fragment.name.value}\0${[...sized].map(([name, size]) => `${name}=${size}`).join(',')}`;
        let cost = fragmentCosts.get(key);
        if (cost === undefined) {
          if (inProgress.has(key)) continue; // a cycle: refused by validation
          inProgress.add(key);
          cost = selectionCost(fragment.selectionSet, type, sized, root);
          inProgress.delete(key);
          fragmentCosts.set(key, cost);
        }
        total += cost;
      }
      if (total >= MAX_ESTIMATE) return MAX_ESTIMATE;
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, sized: SizedFields, root: 'mutation' | 'other'): number => {
    const name = node.name.value;
    if (name === '__typename') return 0;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const field = parent.getFields()[name];
    if (!field) {
      // Introspection fields (__schema, __type) and fields validation refuses: an object each.
      return node.selectionSet ? 1 : 0;
    }
    const named = getNamedType(field.type);
    const weight =
      model.fieldWeights.get(`${parent.name}.${name}`) ?? model.typeWeights.get(named.name) ?? (root === 'mutation' ? MUTATION_ROOT_WEIGHT : isCompositeType(named) ? 1 : 0);
    const { size: sliced, sized: childSized } = sizeOf(parent, field, node);
    const isList = isListType(getNullableType(field.type));
    const size = sized.get(name) ?? (isList ? sliced : 1);
    const children = node.selectionSet && isCompositeType(named) ? selectionCost(node.selectionSet, named, childSized, 'other') : 0;
    return Math.min(MAX_ESTIMATE, size * (weight + children));
  };

  const rootType =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const cost = rootType ? selectionCost(operation.selectionSet, rootType, NONE, operation.operation === 'mutation' ? 'mutation' : 'other') : 0;
  return { cost, sizingVariables: [...sizingVariables].sort() };
}
