import type { ASTVisitor } from 'graphql';

/** Counts the aliased fields written in a document (each `alias: field` once, fragments not expanded). */
export function aliasCounter(): { readonly visitor: ASTVisitor; count(): number } {
  let count = 0;
  return {
    visitor: {
      Field(node) {
        if (node.alias) count += 1;
      },
    },
    count: () => count,
  };
}
