import { createHash } from 'node:crypto';
import { print } from 'graphql';
import { satisfies } from '../../lib/authorization/profile';
import type { FieldClassification, PermissionProfile } from '../../lib/authorization/types';
import type { OperationDecision } from './decision';
import { rewriteOperation, type PersonKeys } from './rewrite';
import { stripPlan } from './strip-plan';
import { walkOperation, type WalkInput } from './walk';

/**
 * Decides one operation for one permission profile: walks it (rules.ts), rewrites it
 * (rewrite.ts) and names the plan: the planner caches plans by `queryHash`, so it covers the
 * rewritten operation AND the profile key; no two profiles share a plan, and the same
 * operation by the same profile reuses one.
 */
export function decideOperation(input: WalkInput & { readonly personKeys?: PersonKeys }): OperationDecision {
  const walk = walkOperation(input);
  const rewrite = rewriteOperation(input.schema, walk.document, walk.deniedNodes, readablePersonKeys(input.personKeys, input.profile, input.classifications));
  const source = print(rewrite.document);
  const queryHash = createHash('sha256').update(`authz:v1\n${input.profile.key}\n${source}`).digest('hex');
  return {
    denied: walk.denied,
    granted: walk.granted,
    masked: walk.masked,
    document: rewrite.document,
    operation: rewrite.operation,
    source,
    typenameKey: rewrite.typenameKey,
    ...(rewrite.personKeyKeys ? { personKeyKeys: rewrite.personKeyKeys } : {}),
    rewritten: rewrite.changed,
    // Also when nothing changed: the client's own `id` fields are the person keys then.
    strip: rewrite.changed || rewrite.personKeyKeys ? stripPlan(input.schema, rewrite.document, rewrite.operation, rewrite.injected, rewrite.personKeyKeys) : undefined,
    queryHash,
  };
}

/**
 * The person keys this profile may fetch: the subgraphs' second line would refuse a key field the
 * profile may not read (and a refused non-null key would null the client's object), so a key is
 * only injected where the rules allow it. A person reached where it is not is not named in the
 * trail (the entry still names the fields and the operation).
 */
function readablePersonKeys(
  keys: PersonKeys | undefined,
  profile: PermissionProfile,
  classifications: ReadonlyMap<string, FieldClassification>,
): PersonKeys | undefined {
  if (!keys) return undefined;
  const readable = (coordinate: string): boolean => {
    const classification = classifications.get(coordinate);
    return classification !== undefined && satisfies(profile, classification.policies, classification.scopes).ok;
  };
  if (!readable(`${keys.type}.${keys.field}`)) return undefined;
  const via = Object.fromEntries(Object.entries(keys.via).filter(([type, field]) => readable(`${type}.${field}`)));
  // A reference is resolved through its `via` field's person later: only where that hop is readable
  // too, and only when references can be sealed.
  const references = keys.sealReference ? Object.fromEntries(Object.entries(keys.references).filter(([type, field]) => via[type] !== undefined && readable(`${type}.${field}`))) : {};
  return { ...keys, via, references };
}
