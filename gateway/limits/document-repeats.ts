import { Kind, type ASTNode, type ASTVisitor, type SelectionSetNode } from 'graphql';

/**
 * Counts fields that repeat a response name already selected in the same selection set (inline
 * fragments flattened into it, as graphql-js merges them), over the whole document. Such repeats
 * are what makes graphql-js's OverlappingFieldsCanBeMerged rule quadratic (every pair of fields
 * with one response name is compared, sub-selections included), and no screen needs them: a field
 * selected twice is answered once. Each selection is looked at once: a set nested in an inline
 * fragment is counted with the field-level set that owns it, and skipped on its own.
 */
export function repeatCounter(): { readonly visitor: ASTVisitor; count(): number } {
  let count = 0;
  return {
    visitor: {
      SelectionSet(node: SelectionSetNode, _key: unknown, parent: ASTNode | readonly ASTNode[] | undefined) {
        if (parent !== undefined && !Array.isArray(parent) && (parent as ASTNode).kind === Kind.INLINE_FRAGMENT) return;
        const names = new Set<string>();
        const pending: SelectionSetNode[] = [node];
        for (let set = pending.pop(); set !== undefined; set = pending.pop()) {
          for (const selection of set.selections) {
            if (selection.kind === Kind.INLINE_FRAGMENT) pending.push(selection.selectionSet);
            else if (selection.kind === Kind.FIELD) {
              const name = (selection.alias ?? selection.name).value;
              if (names.has(name)) count += 1;
              else names.add(name);
            }
          }
        }
      },
    },
    count: () => count,
  };
}
