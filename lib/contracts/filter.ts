/**
 * Cuts a contract out of the subgraph SDLs, before composition (as Cosmo and Hive build
 * contracts from tags): every field the contract removes (by policy, policy classification or
 * `@tag`) is deleted from every subgraph, then whatever that leaves dangling — a field whose type
 * is gone, an argument or input field of a removed type, a `@key` or `@requires` naming a removed
 * field, a type left without fields, a type no client can reach any more — until nothing changes.
 * The composed contract supergraph then has no trace of a removed field, so neither the API
 * schema nor the query planner can name it (an `@inaccessible` mark would still let the planner
 * fetch it as a key). A subgraph left with nothing is dropped from the contract.
 */
import {
  Kind,
  parse,
  visit,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type SelectionSetNode,
  type TypeNode,
} from 'graphql';
import { FEDERATION_IDENTITY, linkedFeatures, localElementName, readClassifications } from '../authorization/classification';
import type { ContractRemoval } from './definitions';

export interface SubgraphDocument {
  readonly name: string;
  readonly url: string;
  readonly document: DocumentNode;
}

export interface ContractCut {
  /** The filtered subgraphs, those left with nothing dropped. */
  readonly subgraphs: readonly SubgraphDocument[];
  /** `Type.field` removed because the contract names it (not merely dangling), sorted. */
  readonly removedByRule: readonly string[];
  /** Names of the subgraphs the contract leaves nothing of. */
  readonly droppedSubgraphs: readonly string[];
}

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'];

type TypeKind = 'object' | 'interface' | 'input' | 'enum' | 'scalar' | 'union';

interface TypeInfo {
  readonly kind: TypeKind;
  /** Object/interface fields, or input fields, across the definition and its extensions. */
  readonly fields: (FieldDefinitionNode | InputValueDefinitionNode)[];
  readonly directives: ConstDirectiveNode[];
  readonly members: string[];
  readonly interfaces: string[];
}

/** One subgraph's schema and what the cut has taken from it so far. */
class Cut {
  readonly types = new Map<string, TypeInfo>();
  readonly removedTypes = new Set<string>();
  /** `Type.field` (object, interface and input fields). */
  readonly removedFields = new Set<string>();
  /** `Type.field(argument)` */
  readonly removedArguments = new Set<string>();
  readonly removedDirectives = new Set<ConstDirectiveNode>();
  readonly keyName: string;
  readonly requiresName: string;
  readonly providesName: string;
  readonly externalName: string;
  readonly tagName: string;

  constructor(readonly source: SubgraphDocument) {
    const federation = linkedFeatures(source.document).find((feature) => feature.identity === FEDERATION_IDENTITY);
    const local = (element: string): string => (federation ? localElementName(federation, element) : element);
    this.keyName = local('key');
    this.requiresName = local('requires');
    this.providesName = local('provides');
    this.externalName = local('external');
    this.tagName = local('tag');
    for (const definition of source.document.definitions) {
      const kind = kindOf(definition);
      if (kind === undefined || !('name' in definition) || definition.name === undefined) continue;
      const name = definition.name.value;
      const info = this.types.get(name) ?? { kind, fields: [], directives: [], members: [], interfaces: [] };
      if ('fields' in definition && definition.fields) info.fields.push(...(definition.fields as (FieldDefinitionNode | InputValueDefinitionNode)[]));
      if ('directives' in definition && definition.directives) info.directives.push(...(definition.directives as readonly ConstDirectiveNode[]));
      if (definition.kind === Kind.UNION_TYPE_DEFINITION || definition.kind === Kind.UNION_TYPE_EXTENSION) info.members.push(...(definition.types ?? []).map((type) => type.name.value));
      if ('interfaces' in definition && definition.interfaces) info.interfaces.push(...definition.interfaces.map((type) => type.name.value));
      this.types.set(name, info);
    }
  }

  has(type: string): boolean {
    return BUILT_IN_SCALARS.has(type) || (this.types.has(type) && !this.removedTypes.has(type));
  }

  fieldsOf(type: string): (FieldDefinitionNode | InputValueDefinitionNode)[] {
    if (this.removedTypes.has(type)) return [];
    return (this.types.get(type)?.fields ?? []).filter((field) => !this.removedFields.has(`${type}.${field.name.value}`));
  }

  argumentsOf(type: string, field: FieldDefinitionNode): readonly InputValueDefinitionNode[] {
    return (field.arguments ?? []).filter((argument) => !this.removedArguments.has(`${type}.${field.name.value}(${argument.name.value})`));
  }

  keys(type: string): ConstDirectiveNode[] {
    return (this.types.get(type)?.directives ?? []).filter((directive) => directive.name.value === this.keyName && !this.removedDirectives.has(directive));
  }

  isExternal(field: FieldDefinitionNode | InputValueDefinitionNode): boolean {
    return (field.directives ?? []).some((directive) => directive.name.value === this.externalName);
  }

  /** Whether a field set (`@key`, `@requires`, `@provides`) on `type` names a field no longer there. */
  fieldSetBroken(type: string, fields: string): boolean {
    let selection: SelectionSetNode;
    try {
      const operation = parse(`{${fields}}`).definitions[0];
      if (operation?.kind !== Kind.OPERATION_DEFINITION) return true;
      selection = operation.selectionSet;
    } catch {
      return true;
    }
    const broken = (typeName: string, set: SelectionSetNode): boolean =>
      set.selections.some((item) => {
        if (item.kind === Kind.INLINE_FRAGMENT) return broken(item.typeCondition?.name.value ?? typeName, item.selectionSet);
        if (item.kind !== Kind.FIELD) return true;
        if (item.name.value === '__typename') return false;
        const field = this.fieldsOf(typeName).find((candidate) => candidate.name.value === item.name.value);
        if (!field) return true;
        return item.selectionSet ? broken(namedType(field.type), item.selectionSet) : false;
      });
    return broken(type, selection);
  }
}

/**
 * Applies a contract's removal to the subgraphs. `classificationOf` maps a policy name to its
 * classification in policies.yaml (undefined for an unknown policy: such a field is kept only if
 * the contract names nothing it could match, and check:classification refuses it anyway).
 */
export function cutContract(subgraphs: readonly SubgraphDocument[], removal: ContractRemoval, classificationOf: (policy: string) => string | undefined): ContractCut {
  const cuts = subgraphs.map((subgraph) => new Cut(subgraph));
  const removedByRule = new Set<string>();

  // 1. What the contract names.
  for (const cut of cuts) {
    const classifications = readClassifications(cut.source.document);
    for (const [typeName, info] of cut.types) {
      if (info.kind !== 'object' && info.kind !== 'interface') continue;
      for (const field of info.fields) {
        const coordinate = `${typeName}.${field.name.value}`;
        const policies = (classifications.get(coordinate)?.policies ?? []).flat();
        const tags = (field.directives ?? [])
          .filter((directive) => directive.name.value === cut.tagName)
          .map((directive) => directive.arguments?.find((argument) => argument.name.value === 'name')?.value)
          .flatMap((value) => (value?.kind === Kind.STRING ? [value.value] : []));
        const named =
          policies.some((policy) => removal.policies.includes(policy) || removal.classifications.includes(classificationOf(policy) ?? '')) ||
          tags.some((tag) => removal.tags.includes(tag));
        if (named) {
          cut.removedFields.add(coordinate);
          removedByRule.add(coordinate);
        }
      }
    }
  }

  // 2. Whatever that leaves dangling, until nothing changes.
  let changed = true;
  while (changed) {
    changed = false;
    const removeField = (cut: Cut, coordinate: string): void => {
      if (!cut.removedFields.has(coordinate)) {
        cut.removedFields.add(coordinate);
        changed = true;
      }
    };
    const removeType = (cut: Cut, name: string): void => {
      if (cut.types.has(name) && !cut.removedTypes.has(name)) {
        cut.removedTypes.add(name);
        changed = true;
      }
    };
    for (const cut of cuts) {
      for (const [typeName, info] of cut.types) {
        if (cut.removedTypes.has(typeName)) continue;
        if (info.kind === 'object' || info.kind === 'interface') {
          for (const field of cut.fieldsOf(typeName) as FieldDefinitionNode[]) {
            const coordinate = `${typeName}.${field.name.value}`;
            // An @external field is another subgraph's: gone when no subgraph defines it any more.
            const ownedElsewhere = (): boolean =>
              cuts.some((other) => other !== cut && (other.fieldsOf(typeName) as FieldDefinitionNode[]).some((candidate) => candidate.name.value === field.name.value && !other.isExternal(candidate)));
            if (cut.isExternal(field) && !ownedElsewhere()) {
              removeField(cut, coordinate);
              continue;
            }
            if (!cut.has(namedType(field.type))) {
              removeField(cut, coordinate);
              continue;
            }
            const brokenSet = (field.directives ?? []).some((directive) => {
              if (directive.name.value === cut.requiresName) return cut.fieldSetBroken(typeName, fieldsArgument(directive));
              if (directive.name.value === cut.providesName) return cut.fieldSetBroken(namedType(field.type), fieldsArgument(directive));
              return false;
            });
            if (brokenSet) {
              removeField(cut, coordinate);
              continue;
            }
            for (const argument of cut.argumentsOf(typeName, field)) {
              if (cut.has(namedType(argument.type))) continue;
              if (argument.type.kind === Kind.NON_NULL_TYPE && argument.defaultValue === undefined) removeField(cut, coordinate);
              else {
                cut.removedArguments.add(`${coordinate}(${argument.name.value})`);
                changed = true;
              }
            }
          }
          for (const key of cut.keys(typeName)) {
            if (cut.fieldSetBroken(typeName, fieldsArgument(key))) {
              cut.removedDirectives.add(key);
              changed = true;
            }
          }
          if (cut.fieldsOf(typeName).length === 0) removeType(cut, typeName);
        } else if (info.kind === 'input') {
          for (const field of cut.fieldsOf(typeName)) {
            if (cut.has(namedType(field.type))) continue;
            if (field.type.kind === Kind.NON_NULL_TYPE && (field as InputValueDefinitionNode).defaultValue === undefined) removeType(cut, typeName);
            else removeField(cut, `${typeName}.${field.name.value}`);
          }
          if (cut.fieldsOf(typeName).length === 0) removeType(cut, typeName);
        } else if (info.kind === 'union') {
          if (!info.members.some((member) => cut.has(member))) removeType(cut, typeName);
        }
      }
    }

    // What a client can reach: from the root fields of every subgraph, through field and
    // argument types merged by name across subgraphs (types compose by name).
    const reachable = reach(
      cuts.flatMap((cut) => ROOT_TYPES.filter((root) => cut.has(root))),
      (type) => cuts.flatMap((cut) => (cut.has(type) ? referencedTypes(cut, type) : [])),
    );
    for (const cut of cuts) {
      for (const name of cut.types.keys()) if (!reachable.has(name)) removeType(cut, name);
      // Within the subgraph: its roots, and the entities it contributes fields to (reached
      // through _entities); a type it only used for what was removed goes.
      const contributing = [...cut.types.keys()].filter(
        (name) => cut.has(name) && cut.keys(name).length > 0 && (cut.fieldsOf(name) as FieldDefinitionNode[]).some((field) => !cut.isExternal(field) && !isKeyField(cut, name, field.name.value)),
      );
      const local = reach([...ROOT_TYPES.filter((root) => cut.has(root)), ...contributing], (type) => (cut.has(type) ? referencedTypes(cut, type) : []));
      for (const name of cut.types.keys()) if (!local.has(name)) removeType(cut, name);
    }
  }

  const kept: SubgraphDocument[] = [];
  const dropped: string[] = [];
  for (const cut of cuts) {
    const left = [...cut.types.keys()].filter((name) => cut.has(name));
    if (left.length === 0) {
      dropped.push(cut.source.name);
      continue;
    }
    kept.push({ ...cut.source, document: rewrite(cut) });
  }
  return { subgraphs: kept, removedByRule: [...removedByRule].sort(), droppedSubgraphs: dropped };
}

function isKeyField(cut: Cut, type: string, field: string): boolean {
  return cut.keys(type).some((key) => {
    try {
      const operation = parse(`{${fieldsArgument(key)}}`).definitions[0];
      return operation?.kind === Kind.OPERATION_DEFINITION && operation.selectionSet.selections.some((item) => item.kind === Kind.FIELD && item.name.value === field);
    } catch {
      return false;
    }
  });
}

/** The types one type's remaining fields, arguments, members and interfaces refer to. */
function referencedTypes(cut: Cut, type: string): string[] {
  const info = cut.types.get(type);
  if (!info) return [];
  const out: string[] = [...info.members.filter((member) => cut.has(member)), ...info.interfaces];
  for (const field of cut.fieldsOf(type)) {
    out.push(namedType(field.type));
    if (field.kind === Kind.FIELD_DEFINITION) for (const argument of cut.argumentsOf(type, field)) out.push(namedType(argument.type));
  }
  // An interface reaches the objects implementing it.
  if (info.kind === 'interface') for (const [name, other] of cut.types) if (other.interfaces.includes(type)) out.push(name);
  return out;
}

function reach(roots: readonly string[], next: (type: string) => readonly string[]): Set<string> {
  const seen = new Set<string>(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    for (const type of next(queue.shift()!)) {
      if (seen.has(type)) continue;
      seen.add(type);
      queue.push(type);
    }
  }
  return seen;
}

/** The subgraph's document without what was cut (descriptions, order and directives otherwise as written). */
function rewrite(cut: Cut): DocumentNode {
  const definitions: DefinitionNode[] = [];
  for (const definition of cut.source.document.definitions) {
    const kind = kindOf(definition);
    if (kind !== undefined && 'name' in definition && definition.name && cut.removedTypes.has(definition.name.value)) continue;
    definitions.push(definition);
  }
  return visit(
    { ...cut.source.document, definitions },
    {
      enter(node, _key, _parent, _path, ancestors) {
        const owner = [...ancestors].reverse().find((ancestor): ancestor is DefinitionNode & { name: { value: string } } => {
          const candidate = ancestor as { kind?: string; name?: unknown };
          return typeof candidate.kind === 'string' && kindOf(candidate as DefinitionNode) !== undefined;
        });
        const typeName = owner?.name.value;
        if (node.kind === Kind.FIELD_DEFINITION && typeName && cut.removedFields.has(`${typeName}.${node.name.value}`)) return null;
        if (node.kind === Kind.INPUT_VALUE_DEFINITION && typeName) {
          const parentField = [...ancestors].reverse().find((ancestor) => (ancestor as { kind?: string }).kind === Kind.FIELD_DEFINITION) as FieldDefinitionNode | undefined;
          if (parentField && cut.removedArguments.has(`${typeName}.${parentField.name.value}(${node.name.value})`)) return null;
          if (!parentField && cut.removedFields.has(`${typeName}.${node.name.value}`)) return null;
        }
        if (node.kind === Kind.DIRECTIVE && cut.removedDirectives.has(node as ConstDirectiveNode)) return null;
        if (node.kind === Kind.NAMED_TYPE && owner && (owner.kind === Kind.UNION_TYPE_DEFINITION || owner.kind === Kind.UNION_TYPE_EXTENSION) && !cut.has(node.name.value)) return null;
        return undefined;
      },
    },
  );
}

function kindOf(definition: DefinitionNode): TypeKind | undefined {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
      return 'object';
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
      return 'interface';
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
      return 'input';
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
      return 'enum';
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
      return 'scalar';
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
      return 'union';
    default:
      return undefined;
  }
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function fieldsArgument(directive: ConstDirectiveNode): string {
  const value = directive.arguments?.find((argument) => argument.name.value === 'fields')?.value;
  return value?.kind === Kind.STRING ? value.value : '';
}
