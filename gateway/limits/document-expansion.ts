import type { DefinitionShape } from './document-shapes';
import type { DocumentWork } from './document-work';

/** What a definition selects once every fragment spread is expanded where it is spread. */
export interface Expansion {
  readonly fields: number;
  readonly rootFields: number;
  readonly depth: number;
}

/**
 * Measures every fragment (in the order of document-fragments.ts: spread ones first), then every
 * operation, each from its own shape and the measures of the fragments it spreads — a fragment
 * spread a million times over is measured once and multiplied, never re-expanded. Counts saturate
 * at MAX_SAFE_INTEGER, far above any budget.
 */
export function expand(
  order: readonly DefinitionShape[],
  operations: readonly DefinitionShape[],
  work: DocumentWork,
): { readonly fragments: ReadonlyMap<string, Expansion>; readonly operations: readonly Expansion[] } {
  const fragments = new Map<string, Expansion>();
  const measure = (shape: DefinitionShape): Expansion => {
    let fields = shape.fields;
    let rootFields = shape.topFields;
    let depth = shape.depth;
    for (const spread of shape.spreads) {
      work.edges += 1;
      const inner = fragments.get(spread.name)!;
      fields = saturated(fields + inner.fields);
      // A spread at the top level adds its fragment's top-level fields to this one's.
      if (spread.depth === 0) rootFields = saturated(rootFields + inner.rootFields);
      depth = Math.max(depth, spread.depth + inner.depth);
    }
    return { fields, rootFields, depth };
  };
  for (const fragment of order) fragments.set(fragment.name!, measure(fragment));
  return { fragments, operations: operations.map(measure) };
}

function saturated(value: number): number {
  return Math.min(value, Number.MAX_SAFE_INTEGER);
}
