import type { DefinitionShape } from './document-shapes';
import type { DocumentWork } from './document-work';

/** A fragment graph graphql-js would refuse anyway, refused here before anything expands it. */
export interface FragmentProblem {
  readonly reason: 'duplicate_fragment' | 'unknown_fragment' | 'fragment_cycle';
  readonly message: string;
}

export type FragmentOrder = { readonly ok: true; readonly order: readonly DefinitionShape[] } | { readonly ok: false; readonly problem: FragmentProblem };

/** Names as written, cut short: a Name token can be as long as the body. */
const shown = (name: string) => (name.length > 64 ? `${name.slice(0, 64)}…` : name);

/**
 * Checks the fragments of a document — each name defined once, every spread naming a defined
 * fragment, no fragment spreading itself through any path — and returns them in an order where
 * every fragment comes after those it spreads, so each can be measured once from measures already
 * known. One iterative depth-first walk: every fragment entered once, every spread followed once
 * (counted in `work.edges`), whatever the nesting and however often a fragment is spread.
 */
export function orderFragments(operations: readonly DefinitionShape[], fragments: readonly DefinitionShape[], work: DocumentWork): FragmentOrder {
  const byName = new Map<string, DefinitionShape>();
  for (const fragment of fragments) {
    const name = fragment.name!;
    if (byName.has(name)) return refuse('duplicate_fragment', `There can be only one fragment named "${shown(name)}".`);
    byName.set(name, fragment);
  }
  for (const definition of [...operations, ...fragments]) {
    for (const spread of definition.spreads) {
      work.edges += 1;
      if (!byName.has(spread.name)) return refuse('unknown_fragment', `Unknown fragment "${shown(spread.name)}".`);
    }
  }

  const order: DefinitionShape[] = [];
  // 1 = on the current path, 2 = done (measured before anything that spreads it).
  const state = new Map<string, 1 | 2>();
  for (const root of fragments) {
    if (state.has(root.name!)) continue;
    const stack: { fragment: DefinitionShape; next: number }[] = [{ fragment: root, next: 0 }];
    state.set(root.name!, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next === top.fragment.spreads.length) {
        state.set(top.fragment.name!, 2);
        order.push(top.fragment);
        stack.pop();
        continue;
      }
      const target = top.fragment.spreads[top.next]!.name;
      top.next += 1;
      work.edges += 1;
      const seen = state.get(target);
      if (seen === 1) return refuse('fragment_cycle', `Cannot spread fragment "${shown(target)}" within itself.`);
      if (seen === undefined) {
        state.set(target, 1);
        stack.push({ fragment: byName.get(target)!, next: 0 });
      }
    }
  }
  return { ok: true, order };
}

function refuse(reason: FragmentProblem['reason'], message: string): FragmentOrder {
  return { ok: false, problem: { reason, message } };
}
