import { createHash } from 'node:crypto';
import { print } from 'graphql';
import type { OperationDecision } from './decision';
import { rewriteOperation } from './rewrite';
import { walkOperation, type WalkInput } from './walk';

/**
 * Decides one operation for one permission profile: walks it (rules.ts), rewrites it
 * (rewrite.ts) and names the plan: the planner caches plans by `queryHash`, so it covers the
 * rewritten operation AND the profile key; no two profiles share a plan, and the same
 * operation by the same profile reuses one.
 */
export function decideOperation(input: WalkInput): OperationDecision {
  const walk = walkOperation(input);
  const rewrite = rewriteOperation(input.schema, walk.document, walk.deniedNodes);
  const source = print(rewrite.document);
  const queryHash = createHash('sha256').update(`authz:v1\n${input.profile.key}\n${source}`).digest('hex');
  return {
    denied: walk.denied,
    granted: walk.granted,
    document: rewrite.document,
    operation: rewrite.operation,
    source,
    typenameKey: rewrite.typenameKey,
    rewritten: rewrite.changed,
    queryHash,
  };
}
