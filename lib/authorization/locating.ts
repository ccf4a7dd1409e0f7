/**
 * Which fields of a person locate the person (issue 10, 支援措置): every field of a person type is
 * marked in the SDL with federation's `@tag(name: "locating")` or `@tag(name: "non-locating")`.
 * A locating field tells, alone or with public knowledge, where the person can be found: the
 * address and its parts, previous and destination addresses, 本籍, the offices where a
 * certificate was issued or a card is to be handed over, the bodies that asked about the person,
 * the household (its members share the address). The 支援措置 row rule (subgraphs/shared/
 * locating-rule.ts) withholds every locating field of a protected person, in each subgraph, from
 * the marks alone; the classification check (scripts/check-classification.ts) fails on a person
 * field without a mark, or with both.
 *
 * Person types: the object types reachable from the person entity (`Resident`) through fields,
 * in one SDL. The `@tag` name is resolved through the document's links (federation's `@tag`, as
 * imported or `@federation__tag`, or the tag spec's in a supergraph), never assumed.
 */
import { Kind, type DocumentNode, type FieldDefinitionNode, type TypeNode } from 'graphql';
import { FEDERATION_IDENTITY, fieldDefinitions, linkedFeatures, localElementName } from './classification';
import { compareCoordinates, coordinateText, type FieldCoordinate } from './coordinate';

export const LOCATING_TAG = 'locating';
export const NON_LOCATING_TAG = 'non-locating';
/** The person entity every subgraph that holds person data extends. */
export const PERSON_ENTITY = 'Resident';
const TAG_SPEC_IDENTITY = 'https://specs.apollo.dev/tag';

export type LocatingMark = typeof LOCATING_TAG | typeof NON_LOCATING_TAG;

/** The local names of the `@tag` directive in this document. */
function tagDirectiveNames(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  for (const feature of linkedFeatures(document)) {
    if (feature.identity === FEDERATION_IDENTITY || feature.identity === TAG_SPEC_IDENTITY) names.add(localElementName(feature, 'tag'));
  }
  return names;
}

/** `Type.field` → the locating marks it carries (usually one; two is a problem the check reports). */
export function locatingMarks(document: DocumentNode): Map<string, LocatingMark[]> {
  const names = tagDirectiveNames(document);
  const marks = new Map<string, LocatingMark[]>();
  for (const { coordinate, node } of fieldDefinitions(document)) {
    for (const directive of node.directives ?? []) {
      if (!names.has(directive.name.value)) continue;
      const value = directive.arguments?.find((argument) => argument.name.value === 'name')?.value;
      if (value?.kind !== Kind.STRING || (value.value !== LOCATING_TAG && value.value !== NON_LOCATING_TAG)) continue;
      const list = marks.get(coordinate) ?? [];
      if (!list.includes(value.value)) list.push(value.value);
      marks.set(coordinate, list);
    }
  }
  return marks;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

/** Object type name → its fields (definitions and extensions together). */
function objectFields(document: DocumentNode): Map<string, FieldDefinitionNode[]> {
  const types = new Map<string, FieldDefinitionNode[]>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    types.set(definition.name.value, [...(types.get(definition.name.value) ?? []), ...(definition.fields ?? [])]);
  }
  return types;
}

/** The object types reachable from the person entity through fields (the entity included), sorted. */
export function personTypes(document: DocumentNode): string[] {
  const types = objectFields(document);
  if (!types.has(PERSON_ENTITY)) return [];
  const reached = new Set<string>([PERSON_ENTITY]);
  const queue = [PERSON_ENTITY];
  while (queue.length > 0) {
    for (const field of types.get(queue.shift()!) ?? []) {
      const target = namedType(field.type);
      if (types.has(target) && !reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return [...reached].sort();
}

/** Coordinates of the person-type fields without a mark, or with both marks (document order). */
export function unmarkedPersonFields(document: DocumentNode): { unmarked: string[]; contradictory: string[] } {
  const persons = new Set(personTypes(document));
  const marks = locatingMarks(document);
  const unmarked: string[] = [];
  const contradictory: string[] = [];
  for (const { coordinate, type, exempt } of fieldDefinitions(document)) {
    if (exempt || !persons.has(type)) continue;
    const mark = marks.get(coordinate) ?? [];
    if (mark.length === 0 && !unmarked.includes(coordinate)) unmarked.push(coordinate);
    if (mark.length > 1 && !contradictory.includes(coordinate)) contradictory.push(coordinate);
  }
  return { unmarked, contradictory };
}

/** The locating fields of the document (marked locating, on a person type), sorted. */
export function locatingCoordinates(document: DocumentNode): FieldCoordinate[] {
  const persons = new Set(personTypes(document));
  const marks = locatingMarks(document);
  const found = new Map<string, FieldCoordinate>();
  for (const { coordinate, type, field } of fieldDefinitions(document)) {
    if (persons.has(type) && (marks.get(coordinate) ?? []).includes(LOCATING_TAG)) found.set(coordinate, { type, field });
  }
  return [...found.values()].sort(compareCoordinates);
}

/** locatingCoordinates as `Type.field` texts. */
export function locatingFields(document: DocumentNode): string[] {
  return locatingCoordinates(document).map(coordinateText);
}

/**
 * Types whose every occurrence is under a locating field: the value of an address, an office, a
 * family register. Their own locating fields need no check of their own — the enclosing field is
 * withheld first — so the row rule needs a person only for the other types with locating fields.
 * A type returned by a root field (or any non-person type's field) is never enclosed.
 */
export function enclosedTypes(document: DocumentNode): Set<string> {
  const types = objectFields(document);
  const persons = new Set(personTypes(document));
  const locating = new Set(locatingFields(document));
  const referencedOutsideLocating = new Set<string>([PERSON_ENTITY]);
  const referenced = new Set<string>();
  for (const [typeName, fields] of types) {
    for (const field of fields) {
      const target = namedType(field.type);
      if (!types.has(target)) continue;
      referenced.add(target);
      if (!persons.has(typeName) || !locating.has(coordinateText({ type: typeName, field: field.name.value }))) referencedOutsideLocating.add(target);
    }
  }
  return new Set([...referenced].filter((name) => persons.has(name) && !referencedOutsideLocating.has(name)));
}

/**
 * The types the row rule must find a person for: those holding a locating field and not enclosed.
 * Each subgraph names, for each of them, how a parent object of that type leads to its person.
 */
export function typesNeedingPerson(document: DocumentNode): string[] {
  const enclosed = enclosedTypes(document);
  return [...new Set(locatingCoordinates(document).map((coordinate) => coordinate.type))].filter((name) => !enclosed.has(name)).sort();
}
