import type { StripNode } from './strip-plan';

export interface StrippedResponse {
  readonly data: Record<string, unknown> | null;
  /** Keys (宛名番号) of the persons the response names, read from the person keys, and sealed references where no key was fetched. */
  readonly personIds: readonly string[];
}

/**
 * The fast path of the completion, for an operation of which nothing was refused: the planner's
 * answer already has the client's shape plus the keys the rewrite injected, so removing those
 * keys in place (where the decision's strip plan says, strip-plan.ts) gives the client's answer,
 * and the person keys met on the way are the persons it names. One walk over the branches of the
 * data that hold something to do, no selection sets, no variables: the full completion
 * (complete.ts) rebuilds every object against the operation, which for a page of 100 residents
 * was most of the authorization's CPU.
 *
 * Persons: every person object that carries its key is counted, including one whose client
 * selections were all skipped (@skip/@include) — the completion would not count that one; the
 * trail may over-report here, never under-report.
 */
export function stripInjectedKeys(data: Record<string, unknown> | null | undefined, plan: StripNode): StrippedResponse {
  if (data === null || data === undefined) return { data: null, personIds: [] };
  const persons = new Set<string>();
  const visit = (value: unknown, node: StripNode): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, node);
      return;
    }
    const object = value as Record<string, unknown>;
    if (node.personKey !== undefined) {
      const id = object[node.personKey];
      if (typeof id === 'string' || typeof id === 'number') persons.add(String(id));
    }
    const reference = node.personReference;
    if (reference !== undefined && typeof object[reference.key] === 'string') persons.add(reference.seal(reference.field, object[reference.key] as string));
    // Children first: an injected `via` field is read before it is removed.
    for (const [key, child] of node.children) if (key in object) visit(object[key], child);
    for (const key of node.remove) delete object[key];
  };
  visit(data, plan);
  return { data, personIds: [...persons] };
}
