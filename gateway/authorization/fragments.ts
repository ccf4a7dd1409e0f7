import { visit, type SelectionSetNode } from 'graphql';

/**
 * A plain document helper shared by the walk (which fragments an operation reaches) and the
 * rewrite (which fragments survive it). It lives apart from both so that neither imports the
 * other: the walk feeds the decision, and the decision's types name the rewrite's.
 */

/** Names of the fragments spread anywhere in a selection set (not following the spreads). */
export function fragmentSpreadNames(selectionSet: SelectionSetNode): Set<string> {
  const names = new Set<string>();
  visit(selectionSet, {
    FragmentSpread(node) {
      names.add(node.name.value);
    },
  });
  return names;
}
