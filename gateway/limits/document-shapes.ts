import type { ASTVisitor } from 'graphql';

/**
 * What one definition (an operation or a fragment) selects itself, fragments NOT expanded: the
 * fields it writes, how many of them stand at its top level, how deep they nest, and where it
 * spreads which fragment (type definitions hold no fields or spreads: they add nothing). Expansion (document-expansion.ts) combines these, each fragment once.
 */
export interface DefinitionShape {
  readonly kind: 'operation' | 'fragment';
  readonly name: string | undefined;
  fields: number;
  /** Fields at the definition's own top level (inline fragments looked through). */
  topFields: number;
  /** Deepest field level, 1 = top level. */
  depth: number;
  /** Each spread, with the field level it stands at (0 = the definition's top level). */
  readonly spreads: { readonly name: string; readonly depth: number }[];
}

/** Collects every definition's shape in one walk of the document. */
export function shapeCollector(): { readonly visitor: ASTVisitor; readonly operations: DefinitionShape[]; readonly fragments: DefinitionShape[] } {
  const operations: DefinitionShape[] = [];
  const fragments: DefinitionShape[] = [];
  let current: DefinitionShape | undefined;
  let depth = 0;
  const start = (kind: DefinitionShape['kind'], name: string | undefined, into: DefinitionShape[]) => {
    current = { kind, name, fields: 0, topFields: 0, depth: 0, spreads: [] };
    depth = 0;
    into.push(current);
  };
  return {
    operations,
    fragments,
    visitor: {
      OperationDefinition: { enter: (node) => start('operation', node.name?.value, operations) },
      FragmentDefinition: { enter: (node) => start('fragment', node.name.value, fragments) },
      Field: {
        enter() {
          if (!current) return;
          depth += 1;
          current.fields += 1;
          if (depth === 1) current.topFields += 1;
          if (depth > current.depth) current.depth = depth;
        },
        leave() {
          if (current) depth -= 1;
        },
      },
      FragmentSpread(node) {
        current?.spreads.push({ name: node.name.value, depth });
      },
    },
  };
}
