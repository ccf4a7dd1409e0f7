/**
 * Reads the field classifications of an SDL: federation's @authenticated, @requiresScopes and
 * @policy. Works on a subgraph SDL (directives linked through federation v2.5+: `@policy`, or
 * `@federation__policy` when not imported, or whatever name an `import: [{ name, as }]` gives)
 * and on a composed supergraph (directives linked through their own specs,
 * `@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)`, named `@policy` or by the
 * link's `as:`). Names are always resolved through the document's @link directives, never assumed.
 */
import {
  Kind,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type ValueNode,
} from 'graphql';
import type { FieldClassification } from './types';
import { coordinateText, type FieldCoordinate } from './coordinate';

export const SECURITY_DIRECTIVES = ['authenticated', 'requiresScopes', 'policy'] as const;
export type SecurityDirective = (typeof SECURITY_DIRECTIVES)[number];

export const FEDERATION_IDENTITY = 'https://specs.apollo.dev/federation';
/** The specs a composed supergraph links the security directives through (one directive each). */
export const SECURITY_SPEC_IDENTITIES: Readonly<Record<SecurityDirective, string>> = {
  authenticated: 'https://specs.apollo.dev/authenticated',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes',
  policy: 'https://specs.apollo.dev/policy',
};
const LINK_IDENTITY = 'https://specs.apollo.dev/link';
const CORE_IDENTITY = 'https://specs.apollo.dev/core';

/** One `@link` (or legacy `@core`) on the schema. */
export interface LinkedFeature {
  /** As written, e.g. https://specs.apollo.dev/policy/v0.1 */
  readonly url: string;
  /** The url without its version, e.g. https://specs.apollo.dev/policy */
  readonly identity: string;
  /** The spec's name (the url's last path segment before the version), e.g. policy */
  readonly name: string;
  /** e.g. v0.1; '' when the url has none */
  readonly version: string;
  /** The name the schema uses for it: `as:`, else `name`. Its elements are prefixed `<nameInSchema>__`. */
  readonly nameInSchema: string;
  /** `for:` (SECURITY, EXECUTION) when given. */
  readonly purpose: string | undefined;
  /** Imported elements: element name as the spec names it (`@policy`, `Policy`) → local name (`@policy`, `Policy`). */
  readonly imports: ReadonlyMap<string, string>;
  /** The directive on the schema definition or extension. */
  readonly node: ConstDirectiveNode;
}

/** The `@link` / `@core` directives of the document's schema definition and extensions. */
export function linkedFeatures(document: DocumentNode): LinkedFeature[] {
  const schemaDirectives: ConstDirectiveNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) {
      schemaDirectives.push(...(definition.directives ?? []));
    }
  }
  // The link directive itself may be renamed by its own bootstrap link (`@link(url: ".../link/v1.0", as: "l")`).
  const linkNames = new Set(['link']);
  const coreNames = new Set(['core']);
  for (const directive of schemaDirectives) {
    const url = stringArgument(directive, 'url') ?? stringArgument(directive, 'feature');
    if (url === undefined) continue;
    const parsed = parseFeatureUrl(url);
    const as = stringArgument(directive, 'as');
    if (parsed.identity === LINK_IDENTITY && as !== undefined && directive.name.value === as) linkNames.add(as);
    if (parsed.identity === CORE_IDENTITY && as !== undefined && directive.name.value === as) coreNames.add(as);
  }

  const features: LinkedFeature[] = [];
  for (const directive of schemaDirectives) {
    const isLink = linkNames.has(directive.name.value);
    const isCore = coreNames.has(directive.name.value);
    if (!isLink && !isCore) continue;
    const url = stringArgument(directive, isLink ? 'url' : 'feature');
    if (url === undefined) continue;
    const parsed = parseFeatureUrl(url);
    const as = stringArgument(directive, 'as');
    const purposeArgument = directive.arguments?.find((argument) => argument.name.value === 'for')?.value;
    const purpose = purposeArgument?.kind === Kind.ENUM || purposeArgument?.kind === Kind.STRING ? purposeArgument.value : undefined;
    features.push({ url, ...parsed, nameInSchema: as ?? parsed.name, purpose, imports: readImports(directive), node: directive });
  }
  return features;
}

/**
 * The local names of the security directives in this document (`policy` → 'policy', or
 * `federation__policy` → 'policy', …), resolved through its links.
 */
export function securityDirectiveNames(document: DocumentNode): Map<string, SecurityDirective> {
  const names = new Map<string, SecurityDirective>();
  for (const feature of linkedFeatures(document)) {
    for (const directive of SECURITY_DIRECTIVES) {
      if (feature.identity === FEDERATION_IDENTITY || feature.identity === SECURITY_SPEC_IDENTITIES[directive]) {
        names.set(localElementName(feature, directive), directive);
      }
    }
  }
  return names;
}

/** The name a directive element of a linked feature has in the schema (without the `@`). */
export function localElementName(feature: LinkedFeature, element: string): string {
  const imported = feature.imports.get(`@${element}`);
  if (imported !== undefined) return imported.replace(/^@/, '');
  if (element === feature.name) return feature.nameInSchema;
  return `${feature.nameInSchema}__${element}`;
}

/** A field definition of an object or interface type (extensions included), in document order. */
export interface FieldRef extends FieldCoordinate {
  /** `Type.field` (coordinateText of type and field) */
  readonly coordinate: string;
  readonly node: FieldDefinitionNode;
  /** Exempt from classification: federation and link internals, introspection, @external fields. */
  readonly exempt: boolean;
}

const EXEMPT_TYPES = new Set(['_Service', '_Any', '_Entity', '_FieldSet', 'FieldSet']);
const EXEMPT_ROOT_FIELDS = new Set(['_service', '_entities']);
const EXEMPT_PREFIXES = ['__', 'link__', 'join__', 'core__', 'federation__'];

/** Every field of every object and interface type (definitions and extensions). */
export function fieldDefinitions(document: DocumentNode): FieldRef[] {
  const features = linkedFeatures(document);
  const featurePrefixes = features.map((feature) => `${feature.nameInSchema}__`);
  // A federation @external field is another subgraph's (it is classified there; composition
  // refuses a classification on it here): this subgraph only receives it, e.g. for @requires.
  const externalNames = new Set(features.filter((feature) => feature.identity === FEDERATION_IDENTITY).map((feature) => localElementName(feature, 'external')));
  const isExternal = (field: FieldDefinitionNode): boolean => (field.directives ?? []).some((directive) => externalNames.has(directive.name.value));
  const isExemptType = (name: string): boolean =>
    EXEMPT_TYPES.has(name) || EXEMPT_PREFIXES.some((prefix) => name.startsWith(prefix)) || featurePrefixes.some((prefix) => name.startsWith(prefix));
  const fields: FieldRef[] = [];
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION: {
        const typeName = definition.name.value;
        for (const field of definition.fields ?? []) {
          const fieldName = field.name.value;
          const exempt =
            isExemptType(typeName) || fieldName.startsWith('__') || (EXEMPT_ROOT_FIELDS.has(fieldName) && isQueryType(document, typeName)) || isExternal(field);
          fields.push({ type: typeName, field: fieldName, coordinate: coordinateText({ type: typeName, field: fieldName }), node: field, exempt });
        }
        break;
      }
      default:
        break;
    }
  }
  return fields;
}

/**
 * `Type.field` → its classification, for every field that carries at least one security
 * directive (exempt fields included when they do). A directive that occurs twice on one field
 * is combined as composition combines it (both must hold).
 */
export function readClassifications(document: DocumentNode): Map<string, FieldClassification> {
  const names = securityDirectiveNames(document);
  const classifications = new Map<string, FieldClassification>();
  for (const { coordinate, node } of fieldDefinitions(document)) {
    const own = classificationOf(coordinate, node.directives ?? [], names);
    if (own === undefined) continue;
    const previous = classifications.get(coordinate);
    classifications.set(coordinate, previous ? combine(previous, own) : own);
  }
  return classifications;
}

/** Coordinates of the fields (federation internals aside) without any classification, in document order. */
export function unclassifiedFields(document: DocumentNode): string[] {
  const classified = readClassifications(document);
  const seen = new Set<string>();
  const unclassified: string[] = [];
  for (const { coordinate, exempt } of fieldDefinitions(document)) {
    if (exempt || classified.has(coordinate) || seen.has(coordinate)) continue;
    seen.add(coordinate);
    unclassified.push(coordinate);
  }
  return unclassified;
}

/** Every policy name used by @policy anywhere in the document, sorted. */
export function policyNamesUsed(document: DocumentNode): string[] {
  const names = securityDirectiveNames(document);
  const used = new Set<string>();
  for (const usage of securityDirectiveUsages(document, names)) {
    if (usage.directive !== 'policy') continue;
    for (const conjunction of listOfLists(argument(usage.node, 'policies'))) for (const name of conjunction) used.add(name);
  }
  return [...used].sort();
}

/** A security directive applied somewhere other than a field: the gateway enforces field classifications only. */
export interface MisplacedSecurityDirective {
  /** `@policy on type Resident`, `@authenticated on enum Sex` … */
  readonly description: string;
  readonly node: DirectiveNode;
}

/**
 * Security directives on types, interfaces, scalars or enums. The gateway's authorization walk
 * reads field classifications only, so such a directive would not be enforced: the build check
 * and the gateway refuse them (classify the fields instead).
 */
export function misplacedSecurityDirectives(document: DocumentNode): MisplacedSecurityDirective[] {
  const names = securityDirectiveNames(document);
  return securityDirectiveUsages(document, names)
    .filter((usage) => usage.on !== 'field')
    .map((usage) => ({ description: `@${usage.node.name.value} on ${usage.on}`, node: usage.node }));
}

interface Usage {
  readonly directive: SecurityDirective;
  readonly node: DirectiveNode;
  readonly on: string;
}

/** Every use of a security directive on a type system definition (fields, types, enums, scalars …). */
function securityDirectiveUsages(document: DocumentNode, names: ReadonlyMap<string, SecurityDirective>): Usage[] {
  const usages: Usage[] = [];
  const add = (directives: readonly DirectiveNode[] | undefined, on: string): void => {
    for (const node of directives ?? []) {
      const directive = names.get(node.name.value);
      if (directive !== undefined) usages.push({ directive, node, on });
    }
  };
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        add(definition.directives, `${definition.kind.startsWith('Interface') ? 'interface' : 'type'} ${definition.name.value}`);
        for (const field of definition.fields ?? []) {
          add(field.directives, 'field');
          for (const argumentDefinition of field.arguments ?? []) add(argumentDefinition.directives, `argument ${definition.name.value}.${field.name.value}(${argumentDefinition.name.value})`);
        }
        break;
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        add(definition.directives, `enum ${definition.name.value}`);
        for (const value of definition.values ?? []) add(value.directives, `enum value ${definition.name.value}.${value.name.value}`);
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
        add(definition.directives, `scalar ${definition.name.value}`);
        break;
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        add(definition.directives, `union ${definition.name.value}`);
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        add(definition.directives, `input ${definition.name.value}`);
        for (const field of definition.fields ?? []) add(field.directives, `input field ${definition.name.value}.${field.name.value}`);
        break;
      case Kind.SCHEMA_DEFINITION:
      case Kind.SCHEMA_EXTENSION:
        add(definition.directives, 'schema');
        break;
      default:
        break;
    }
  }
  return usages;
}

function classificationOf(
  coordinate: string,
  directives: readonly ConstDirectiveNode[],
  names: ReadonlyMap<string, SecurityDirective>,
): FieldClassification | undefined {
  let found = false;
  let result: FieldClassification = { coordinate, authenticated: false, scopes: null, policies: null };
  for (const node of directives) {
    const directive = names.get(node.name.value);
    if (directive === undefined) continue;
    found = true;
    if (directive === 'authenticated') result = { ...result, authenticated: true };
    if (directive === 'requiresScopes') result = { ...result, scopes: andDnf(result.scopes, listOfLists(argument(node, 'scopes'))) };
    if (directive === 'policy') result = { ...result, policies: andDnf(result.policies, listOfLists(argument(node, 'policies'))) };
  }
  return found ? result : undefined;
}

function combine(a: FieldClassification, b: FieldClassification): FieldClassification {
  return {
    coordinate: a.coordinate,
    authenticated: a.authenticated || b.authenticated,
    scopes: b.scopes === null ? a.scopes : andDnf(a.scopes, b.scopes),
    policies: b.policies === null ? a.policies : andDnf(a.policies, b.policies),
  };
}

/** (A1 ∨ A2) ∧ (B1 ∨ B2) in disjunctive normal form; null is "no requirement". */
function andDnf(a: string[][] | null, b: string[][]): string[][] {
  if (a === null) return b;
  const product: string[][] = [];
  const seen = new Set<string>();
  for (const left of a) {
    for (const right of b) {
      const conjunction = [...new Set([...left, ...right])].sort();
      const key = JSON.stringify(conjunction);
      if (seen.has(key)) continue;
      seen.add(key);
      product.push(conjunction);
    }
  }
  return product;
}

function argument(node: DirectiveNode, name: string): ValueNode | undefined {
  return node.arguments?.find((candidate) => candidate.name.value === name)?.value;
}

/** `[[String!]!]!` with GraphQL's list input coercion: "a" → [["a"]], ["a", "b"] → [["a"], ["b"]]. */
function listOfLists(value: ValueNode | undefined): string[][] {
  if (value === undefined) return [];
  if (value.kind !== Kind.LIST) return [[scalarText(value)]];
  return value.values.map((item) => (item.kind === Kind.LIST ? item.values.map(scalarText) : [scalarText(item)]));
}

function scalarText(value: ValueNode): string {
  if (value.kind === Kind.STRING || value.kind === Kind.ENUM) return value.value;
  throw new Error(`expected a string in a security directive argument, found ${value.kind}`);
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((candidate) => candidate.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function readImports(directive: ConstDirectiveNode): Map<string, string> {
  const imports = new Map<string, string>();
  const value = directive.arguments?.find((candidate) => candidate.name.value === 'import')?.value;
  if (value === undefined) return imports;
  const items: readonly ConstValueNode[] = value.kind === Kind.LIST ? value.values : [value];
  for (const item of items) {
    if (item.kind === Kind.STRING) imports.set(item.value, item.value);
    if (item.kind === Kind.OBJECT) {
      const field = (fieldName: string): string | undefined => {
        const found = item.fields.find((candidate) => candidate.name.value === fieldName)?.value;
        return found?.kind === Kind.STRING ? found.value : undefined;
      };
      const name = field('name');
      if (name !== undefined) imports.set(name, field('as') ?? name);
    }
  }
  return imports;
}

function parseFeatureUrl(url: string): { identity: string; name: string; version: string } {
  const trimmed = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const segments = trimmed.split('/');
  const last = segments.at(-1) ?? '';
  if (/^v\d+\.\d+$/.test(last)) {
    const identity = segments.slice(0, -1).join('/');
    return { identity, name: segments.at(-2) ?? '', version: last };
  }
  return { identity: trimmed, name: last, version: '' };
}

function isQueryType(document: DocumentNode, typeName: string): boolean {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) {
      const query = definition.operationTypes?.find((operation) => operation.operation === 'query');
      if (query) return query.type.name.value === typeName;
    }
  }
  return typeName === 'Query';
}
