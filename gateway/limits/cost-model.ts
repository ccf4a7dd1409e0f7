/**
 * The demand-control marks of a composed supergraph: `@cost(weight:)` and `@listSize(assumedSize:,
 * slicingArguments:, sizedFields:)` (IBM/GraphQL cost directive spec, linked by federation v2.9 as
 * https://specs.apollo.dev/cost/v0.1), read once per supergraph, by `Type.field`.
 */
import { Kind, parse, type ConstDirectiveNode, type ConstValueNode, type DocumentNode } from 'graphql';

export interface ListSize {
  /** The size assumed when no slicing argument says otherwise. */
  readonly assumedSize: number | null;
  /** Arguments whose value bounds the list (`first`): the largest one given is the size. */
  readonly slicingArguments: readonly string[];
  /** Fields of the returned object that hold the sliced list (a connection's `edges`). */
  readonly sizedFields: readonly string[];
}

export interface CostModel {
  /** `Type.field` → weight (@cost on the field). */
  readonly fieldWeights: ReadonlyMap<string, number>;
  /** `Type` → weight (@cost on an object, enum or scalar type). */
  readonly typeWeights: ReadonlyMap<string, number>;
  /** `Type.field` → @listSize. */
  readonly listSizes: ReadonlyMap<string, ListSize>;
}

const COST_SPEC = 'https://specs.apollo.dev/cost/';

/** The names the supergraph gives @cost and @listSize (a `@link(as:)` or an import alias renames them). */
function directiveNames(document: DocumentNode): { cost: string; listSize: string } {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const url = stringArgument(directive, 'url');
      if (!url?.startsWith(COST_SPEC)) continue;
      const prefix = stringArgument(directive, 'as') ?? 'cost';
      const names = { cost: prefix, listSize: `${prefix}__listSize` };
      const imports = directive.arguments?.find((argument) => argument.name.value === 'import')?.value;
      if (imports?.kind === Kind.LIST) {
        for (const item of imports.values) {
          if (item.kind === Kind.STRING && item.value === '@listSize') names.listSize = 'listSize';
          if (item.kind === Kind.STRING && item.value === '@cost') names.cost = 'cost';
          if (item.kind === Kind.OBJECT) {
            const name = item.fields.find((field) => field.name.value === 'name')?.value;
            const as = item.fields.find((field) => field.name.value === 'as')?.value;
            if (name?.kind === Kind.STRING && as?.kind === Kind.STRING && name.value === '@listSize') names.listSize = as.value.replace(/^@/, '');
            if (name?.kind === Kind.STRING && as?.kind === Kind.STRING && name.value === '@cost') names.cost = as.value.replace(/^@/, '');
          }
        }
      }
      return names;
    }
  }
  // Not linked: the spec's own names (a subgraph SDL or a hand-written schema).
  return { cost: 'cost', listSize: 'listSize' };
}

/** Reads the cost marks of a supergraph (or any SDL carrying @cost/@listSize). */
export function readCostModel(sdl: string | DocumentNode): CostModel {
  const document = typeof sdl === 'string' ? parse(sdl) : sdl;
  const names = directiveNames(document);
  const fieldWeights = new Map<string, number>();
  const typeWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_EXTENSION &&
      definition.kind !== Kind.ENUM_TYPE_DEFINITION &&
      definition.kind !== Kind.SCALAR_TYPE_DEFINITION
    ) {
      continue;
    }
    const typeName = definition.name.value;
    const typeCost = definition.directives?.find((directive) => directive.name.value === names.cost);
    const typeWeight = typeCost ? intArgument(typeCost, 'weight') : null;
    if (typeWeight !== null) typeWeights.set(typeName, typeWeight);
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      for (const directive of field.directives ?? []) {
        if (directive.name.value === names.cost) {
          const weight = intArgument(directive, 'weight');
          if (weight !== null) fieldWeights.set(coordinate, weight);
        } else if (directive.name.value === names.listSize) {
          listSizes.set(coordinate, {
            assumedSize: intArgument(directive, 'assumedSize'),
            slicingArguments: stringListArgument(directive, 'slicingArguments'),
            sizedFields: stringListArgument(directive, 'sizedFields'),
          });
        }
      }
    }
  }
  return { fieldWeights, typeWeights, listSizes };
}

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((arg) => arg.name.value === name)?.value;
}

function intArgument(directive: ConstDirectiveNode, name: string): number | null {
  const value = argument(directive, name);
  return value?.kind === Kind.INT ? Number.parseInt(value.value, 10) : null;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = argument(directive, name);
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function stringListArgument(directive: ConstDirectiveNode, name: string): string[] {
  const value = argument(directive, name);
  if (value?.kind !== Kind.LIST) return [];
  return value.values.flatMap((item) => (item.kind === Kind.STRING ? [item.value] : []));
}
