import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Limits on the shape of an operation, checked at validation (before authorization, planning or
 * any subgraph call), so an abusive query — nested a hundred levels deep or aliasing one field
 * ten thousand times — costs a parse and a walk, then a clear error. Legitimate screens stay far
 * below both limits: the widest query in the test suite (every field of a resident across the
 * four systems) has about 300 field selections and a depth of 8.
 */
export interface OperationLimits {
  /** Deepest nesting of fields, fragments expanded. */
  maxDepth: number;
  /** Field selections in the operation, every fragment spread counted where it is spread. */
  maxFieldSelections: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = { maxDepth: 15, maxFieldSelections: 2000 };

function measure(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  depth: number,
  visiting: Set<string>,
  totals: { fields: number; depth: number },
  limits: OperationLimits,
): void {
  // Stop as soon as a limit is passed: the walk itself must not be the expensive part.
  if (totals.fields > limits.maxFieldSelections || totals.depth > limits.maxDepth) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      totals.fields += 1;
      totals.depth = Math.max(totals.depth, depth + 1);
      if (selection.selectionSet) measure(selection.selectionSet, fragments, depth + 1, visiting, totals, limits);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      measure(selection.selectionSet, fragments, depth, visiting, totals, limits);
    } else {
      const fragment = fragments.get(selection.name.value);
      // A cycle is reported by graphql-js's own NoFragmentCycles rule; here it just ends the walk.
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      measure(fragment.selectionSet, fragments, depth, visiting, totals, limits);
      visiting.delete(fragment.name.value);
    }
  }
}

/** A graphql-js validation rule enforcing `limits` on every operation of a document. */
export function operationLimitsRule(limits: OperationLimits = DEFAULT_OPERATION_LIMITS): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const fragments = new Map(
        context
          .getDocument()
          .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
          .map((d) => [d.name.value, d]),
      );
      const totals = { fields: 0, depth: 0 };
      measure(operation.selectionSet, fragments, 0, new Set(), totals, limits);
      const name = operation.name ? `Operation "${operation.name.value}"` : 'The operation';
      if (totals.depth > limits.maxDepth) {
        context.reportError(new GraphQLError(`${name} is nested deeper than ${limits.maxDepth} levels; split it into smaller operations.`, { nodes: [operation] }));
      } else if (totals.fields > limits.maxFieldSelections) {
        context.reportError(
          new GraphQLError(`${name} selects more than ${limits.maxFieldSelections} fields (fragments and aliases counted); split it into smaller operations.`, { nodes: [operation] }),
        );
      }
    },
  });
}
