/**
 * A field coordinate, typed: `{ type: 'Resident', field: 'individualNumber' }`. Its text form
 * `Resident.individualNumber` (GraphQL's schema-coordinate syntax) is what the SDL classifications
 * are keyed by, what clients read in errors and what the audit trail records; code that needs the
 * type or the field takes them from here rather than splitting the text.
 */
export interface FieldCoordinate {
  readonly type: string;
  readonly field: string;
}

/** `Type.field`. */
export function coordinateText(coordinate: FieldCoordinate): string {
  return `${coordinate.type}.${coordinate.field}`;
}

/** Reads `Type.field` (type names never contain a dot); throws on anything else. */
export function parseCoordinate(text: string): FieldCoordinate {
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1 || text.indexOf('.', dot + 1) !== -1) throw new Error(`not a field coordinate: ${JSON.stringify(text.slice(0, 200))}`);
  return { type: text.slice(0, dot), field: text.slice(dot + 1) };
}

/** Orders coordinates as their texts sort (the order lists of coordinates have always had). */
export function compareCoordinates(a: FieldCoordinate, b: FieldCoordinate): number {
  const left = coordinateText(a);
  const right = coordinateText(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
