import type { ASTVisitor } from 'graphql';

/** Counts the directives written in a document, wherever they stand (fields, fragments, operations, variables). */
export function directiveCounter(): { readonly visitor: ASTVisitor; count(): number } {
  let count = 0;
  return {
    visitor: {
      Directive() {
        count += 1;
      },
    },
    count: () => count,
  };
}
