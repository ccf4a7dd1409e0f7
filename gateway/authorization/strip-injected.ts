import type { OperationDecision } from './decision';

export interface StrippedResponse {
  readonly data: Record<string, unknown> | null;
  /** Keys (宛名番号) of the persons the response names, read from the injected person keys. */
  readonly personIds: readonly string[];
}

/**
 * The fast path of the completion, for an operation of which nothing was refused: the planner's
 * answer already has the client's shape plus the keys the rewrite injected (`_authzTypename`,
 * `_auditId`, `_auditPerson` or their numbered variants, which no field of the client's document
 * uses), so removing those keys in place gives the client's answer, and the person keys met on
 * the way are the persons it names. One walk over the data, no selection sets, no variables:
 * the full completion (complete.ts) rebuilds every object against the operation, which for a
 * page of 100 residents was most of the authorization's CPU.
 *
 * Persons: every object that carries an injected key is counted, including one whose client
 * selections were all skipped (@skip/@include) — the completion would not count that one; the
 * trail may over-report here, never under-report.
 */
export function stripInjectedKeys(data: Record<string, unknown> | null | undefined, decision: Pick<OperationDecision, 'typenameKey' | 'personKeyKeys'>): StrippedResponse {
  if (data === null || data === undefined) return { data: null, personIds: [] };
  const persons = new Set<string>();
  const typenameKey = decision.typenameKey;
  const idKey = decision.personKeyKeys?.id;
  const viaKey = decision.personKeyKeys?.via;
  const addPerson = (id: unknown) => {
    if (typeof id === 'string' || typeof id === 'number') persons.add(String(id));
  };
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    const object = value as Record<string, unknown>;
    if (idKey !== undefined && idKey in object) {
      addPerson(object[idKey]);
      delete object[idKey];
    }
    if (viaKey !== undefined && viaKey in object) {
      const person = object[viaKey];
      if (person !== null && typeof person === 'object' && idKey !== undefined) addPerson((person as Record<string, unknown>)[idKey]);
      delete object[viaKey];
    }
    delete object[typenameKey];
    for (const key in object) visit(object[key]);
  };
  visit(data);
  return { data, personIds: [...persons] };
}
